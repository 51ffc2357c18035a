// Backlot pages: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form on change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    });
  });

  // Forms marked data-confirm ask before an irreversible step (cancel, release).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Call sheets: the Print button opens the browser's print dialog (A4 page styles).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Feed links are selected in one click, ready to copy.
  document.querySelectorAll("input[data-select]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // Occupancy board: a cell shows its details beside the grid without reloading the page.
  var grid = document.querySelector("table.grid");
  var panel = document.getElementById("details");
  if (grid && panel) {
    var base = grid.getAttribute("data-base");
    grid.addEventListener("click", function (event) {
      var link = event.target.closest("a.cell");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      var url = "/ui/board/cell?base=" + encodeURIComponent(base) +
        "&set=" + encodeURIComponent(link.getAttribute("data-set")) +
        "&date=" + encodeURIComponent(link.getAttribute("data-date"));
      var previous = grid.querySelector("a.cell.selected");
      if (previous) { previous.classList.remove("selected"); previous.removeAttribute("aria-current"); }
      link.classList.add("selected");
      link.setAttribute("aria-current", "true");
      panel.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          // Redirected (the session ended: to the sign-in page) or refused: open the cell's
          // own page instead, which signs in and comes back.
          if (!response.ok || response.redirected) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var detail = doc.querySelector(".detail");
          panel.replaceChildren.apply(panel, detail ? [document.importNode(detail, true)] : []);
          if (window.matchMedia("(max-width: 1100px)").matches) panel.scrollIntoView({ block: "nearest" });
        })
        .catch(function () { window.location.href = link.href; })
        .finally(function () { panel.removeAttribute("aria-busy"); });
    });
  }
})();
