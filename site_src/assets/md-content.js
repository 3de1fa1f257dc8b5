/* Material for MkDocs' content script (partials/javascripts/content.html), moved out of the page. */
(function () {
  var tabs = __md_get("__tabs");
  if (Array.isArray(tabs)) {
    document.querySelectorAll(".tabbed-set").forEach(function (set) {
      var labels = set.querySelector(".tabbed-labels");
      if (!labels) { return; }
      tabs.some(function (tab) {
        return Array.prototype.some.call(labels.getElementsByTagName("label"), function (label) {
          if (label.innerText.trim() === tab) { document.getElementById(label.htmlFor).checked = true; return true; }
          return false;
        });
      });
    });
  }
  var target = document.getElementById(location.hash.slice(1));
  if (target && target.name) { target.checked = target.name.startsWith("__tabbed_"); }
})();
