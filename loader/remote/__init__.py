"""Remote SPARQL 1.1 Protocol stores: reading through the Repo interface, publishing into them."""
