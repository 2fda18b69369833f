// ldcat's query editor, on top of the plain HTML form (endpoint/templates/query_editor.html).
// With CodeMirror loaded, the text area becomes a SPARQL editor with highlighting. Either way,
// queries run with fetch (POST, form-encoded) and the results replace the table in place; the
// address bar follows (?query=), so a reload or a shared link gives the same page from the server.
(function () {
  "use strict";

  var form = document.getElementById("query-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var script = document.currentScript;
  var maxRows = Number((script && script.dataset.maxRows) || 1000);
  var prefixes = JSON.parse(form.dataset.prefixes || "{}");
  var textarea = form.elements.query;
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var editor = null;
  var pending = null;

  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 2,
      viewportMargin: Infinity,
      extraKeys: {
        "Ctrl-Enter": function () { run(true); },
        "Cmd-Enter": function () { run(true); },
      },
    });
  } else {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run(true);
      }
    });
  }

  function getQuery() {
    return editor ? editor.getValue() : textarea.value;
  }

  function setQuery(text) {
    if (editor) {
      editor.setValue(text);
    } else {
      textarea.value = text;
    }
  }

  // SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after comments, PREFIX and BASE.
  var PROLOGUE = /^(?:\s+|#[^\n]*|(?:PREFIX\s+[\w.-]*:\s*|BASE\s+)<[^>]*>)*/i;
  function queryForm(text) {
    var rest = text.slice(PROLOGUE.exec(text)[0].length);
    var form = /^(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(rest);
    return form ? form[1].toUpperCase() : null;
  }

  var RESULT_FORMATS = [["json", "JSON"], ["xml", "XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  var GRAPH_FORMATS = [["ttl", "Turtle"], ["nt", "N-Triples"], ["rdf", "RDF/XML"],
                       ["jsonld", "JSON-LD"]];

  function updateDownloads(text, kind) {
    var formats = kind === "SELECT" || kind === "ASK" ? RESULT_FORMATS
      : kind === "CONSTRUCT" || kind === "DESCRIBE" ? GRAPH_FORMATS
      : RESULT_FORMATS.concat(GRAPH_FORMATS);
    downloads.replaceChildren(document.createTextNode("Download: "));
    formats.forEach(function (format) {
      var link = document.createElement("a");
      link.href = form.action + "?" + new URLSearchParams({ query: text, format: format[0] });
      link.textContent = format[1];
      downloads.append(link, " ");
    });
    downloads.hidden = false;
  }

  function compact(iri) {
    for (var prefix in prefixes) {
      var namespace = prefixes[prefix];
      if (iri.startsWith(namespace)) {
        var local = iri.slice(namespace.length);
        if (/^[A-Za-z_][\w-]*(?:\.[\w-]+)*$/.test(local)) {
          return prefix + ":" + local;
        }
      }
    }
    return iri;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function termLabel(term) {
    if (term.type === "uri") {
      return compact(term.value);
    }
    if (term.type === "bnode") {
      return "_:" + term.value;
    }
    if (term.type === "triple") {
      var inner = term.value;
      return "<< " + [inner.subject, inner.predicate, inner.object].map(termLabel).join(" ")
        + " >>";
    }
    return term.value;
  }

  function termCell(term) {
    if (!term) {
      return element("td", "empty");
    }
    var cell = element("td", term.type === "typed-literal" ? "literal" : term.type);
    if (term.type === "uri") {
      if (/^https?:\/\//i.test(term.value)) {
        var link = element("a", "", compact(term.value));
        link.href = term.value;
        link.title = term.value;
        cell.append(link);
      } else {
        var span = element("span", "", term.value);
        span.title = term.value;
        cell.append(span);
      }
    } else if (term.type === "literal" || term.type === "typed-literal") {
      cell.append(term.value);
      if (term["xml:lang"]) {
        cell.append(element("span", "lang", "@" + term["xml:lang"]));
      } else if (term.datatype) {
        var datatype = element("span", "datatype", "^^" + compact(term.datatype));
        datatype.title = term.datatype;
        cell.append(datatype);
      }
    } else {
      cell.textContent = termLabel(term);
    }
    return cell;
  }

  function showError(message) {
    var error = element("p", "error", message);
    error.setAttribute("role", "alert");
    results.replaceChildren(error);
  }

  function showTable(document_, elapsed) {
    var summary = element("p", "summary");
    summary.id = "summary";
    if (typeof document_.boolean === "boolean") {
      summary.textContent = "ASK answered " + document_.boolean + " · " + elapsed + " ms";
      results.replaceChildren(summary, element("p", "boolean", String(document_.boolean)));
      return;
    }
    var variables = document_.head.vars || [];
    var bindings = document_.results.bindings || [];
    var shown = bindings.slice(0, maxRows);
    var noun = bindings.length === 1 ? "row" : "rows";
    summary.textContent = bindings.length + " " + noun
      + (shown.length < bindings.length ? ", the first " + shown.length
        + " shown (download for all)" : "") + " · " + elapsed + " ms";
    var table = element("table");
    var headRow = element("tr");
    variables.forEach(function (name) {
      var header = element("th", "", "?" + name);
      header.scope = "col";
      headRow.append(header);
    });
    table.append(element("thead"), element("tbody"));
    table.tHead.append(headRow);
    var body = table.tBodies[0];
    shown.forEach(function (binding) {
      var row = element("tr");
      variables.forEach(function (name) {
        row.append(termCell(binding[name]));
      });
      body.append(row);
    });
    var scroll = element("div", "table-scroll");
    scroll.append(table);
    results.replaceChildren(summary, scroll);
  }

  // N-Triples (one triple a line) to the SPARQL JSON shape, so graphs show as a table.
  var NT_TERM = '(<[^>]*>|_:\\S+|"(?:[^"\\\\]|\\\\.)*"(?:@[A-Za-z0-9-]+|\\^\\^<[^>]*>)?)';
  var NT_LINE = new RegExp("^\\s*" + NT_TERM + "\\s+" + NT_TERM + "\\s+" + NT_TERM + "\\s*\\.\\s*$");
  var ESCAPES = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };

  function unescapeNt(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g,
      function (match, short, long, single) {
        if (short || long) {
          return String.fromCodePoint(parseInt(short || long, 16));
        }
        return single in ESCAPES ? ESCAPES[single] : match;
      });
  }

  function ntTerm(text) {
    if (text.startsWith("<")) {
      return { type: "uri", value: unescapeNt(text.slice(1, -1)) };
    }
    if (text.startsWith("_:")) {
      return { type: "bnode", value: text.slice(2) };
    }
    var literal = /^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$/.exec(text);
    var term = { type: "literal", value: unescapeNt(literal[1]) };
    if (literal[2]) {
      term["xml:lang"] = literal[2];
    } else if (literal[3] && literal[3] !== "http://www.w3.org/2001/XMLSchema#string") {
      term.datatype = literal[3];
    }
    return term;
  }

  function triplesAsResults(text) {
    var bindings = [];
    text.split("\n").forEach(function (line) {
      var match = NT_LINE.exec(line);
      if (match) {
        bindings.push({ subject: ntTerm(match[1]), predicate: ntTerm(match[2]),
                        object: ntTerm(match[3]) });
      }
    });
    return { head: { vars: ["subject", "predicate", "object"] }, results: { bindings: bindings } };
  }

  async function run(remember) {
    var text = getQuery();
    if (!text.trim()) {
      showError("Write a query first.");
      return;
    }
    var kind = queryForm(text);
    var graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    if (pending) {
      pending.abort();
    }
    var controller = new AbortController();
    pending = controller;
    var status = element("p", "summary", "Running…");
    status.id = "summary";
    results.replaceChildren(status);
    results.setAttribute("aria-busy", "true");
    updateDownloads(text, kind);
    if (remember) {
      history.pushState({ query: text }, "", form.action + "?" + new URLSearchParams({ query: text }));
    }
    var started = performance.now();
    try {
      var response = await fetch(form.action, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": graph ? "application/n-triples, text/turtle;q=0.9"
            : "application/sparql-results+json",
        },
        body: new URLSearchParams({ query: text }),
        signal: controller.signal,
      });
      var elapsed = Math.round(performance.now() - started);
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        var message = type.includes("json") ? (await response.json()).message
          : await response.text();
        showError(message || "The query failed (HTTP " + response.status + ").");
      } else if (type.startsWith("application/n-triples")) {
        showTable(triplesAsResults(await response.text()), elapsed);
      } else if (type.includes("json")) {
        showTable(await response.json(), elapsed);
      } else {
        var summary = element("p", "summary", "Result (" + type + ") · " + elapsed + " ms");
        summary.id = "summary";
        results.replaceChildren(summary, element("pre", "raw", await response.text()));
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        showError("The query could not be sent: " + error.message);
      }
    } finally {
      if (pending === controller) {
        pending = null;
        results.removeAttribute("aria-busy");
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(true);
  });

  document.querySelectorAll(".examples a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;  // let the browser open it in a new tab or window
      }
      event.preventDefault();
      setQuery(new URL(link.href).searchParams.get("query") || "");
      run(true);
      (editor ? editor.getWrapperElement() : textarea).scrollIntoView({ block: "nearest" });
    });
  });

  window.addEventListener("popstate", function (event) {
    if (!event.state || typeof event.state.query !== "string") {
      return;
    }
    setQuery(event.state.query);
    if (event.state.ran === false) {
      results.replaceChildren();
      downloads.hidden = true;
    } else {
      run(false);
    }
  });
  history.replaceState({ query: getQuery(), ran: new URLSearchParams(location.search).has("query") },
                       "");
})();
