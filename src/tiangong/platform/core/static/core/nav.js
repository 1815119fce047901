/* The top bar's menus are <details> elements: open, close and keyboard access work without this
   script. It only tidies up: opening one menu (a click, or Enter / Space on its heading, which
   the browser turns into a click) closes the others, as does a click outside; Escape closes the
   open menu and returns focus to its heading. No framework, no inline script (CSP). */
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll(".mainnav details[open]").forEach(function (d) {
      if (d !== except) { d.open = false; }
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target;
    closeAll(t && t.closest ? t.closest(".mainnav details") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var open = document.querySelector(".mainnav details[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
})();
