/* Material for MkDocs' storage helpers (partials/javascripts/base.html), moved out of the page so that
   no page has an inline script. The scope comes from the script tag's data-scope attribute. */
var __md_scope = new URL(document.currentScript.getAttribute("data-scope") || ".", location),
  __md_hash = function (e) { return [].concat(Array.from(e)).reduce(function (h, c) { return (h << 5) - h + c.charCodeAt(0); }, 0); },
  __md_get = function (e, s, t) { s = s || localStorage; t = t || __md_scope; return JSON.parse(s.getItem(t.pathname + "." + e)); },
  __md_set = function (e, v, s, t) { s = s || localStorage; t = t || __md_scope; try { s.setItem(t.pathname + "." + e, JSON.stringify(v)); } catch (err) { /* storage may be off */ } };
