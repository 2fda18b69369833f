"""ldcat's vocabulary: namespaces, alignment tables to EU authority tables, thematic rules."""
