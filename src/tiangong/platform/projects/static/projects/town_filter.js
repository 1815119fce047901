// The portfolio's town filter: as the officer types, ask the server for the towns of the
// projects in scope whose name contains the text, and offer them in the input's datalist
// (a province has about 1,200 towns: too many to send as options with every page).
(function () {
  "use strict";
  var input = document.getElementById("town-filter");
  var list = document.getElementById("town-suggestions");
  if (!input || !list) { return; }
  var timer = null;
  var asked = "";
  function ask() {
    var q = input.value.trim();
    if (!q || q === asked) { return; }
    asked = q;
    fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {towns: []}; })
      .then(function (data) {
        list.replaceChildren.apply(list, data.towns.map(function (t) {
          var o = document.createElement("option");
          o.value = t.name;
          o.label = t.county ? t.name + "（" + t.county + "）" : t.name;
          return o;
        }));
      });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
}());
