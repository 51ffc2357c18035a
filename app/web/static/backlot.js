// Backlot pages: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form on change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.form) el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    });
  });

  // Forms marked data-confirm ask before an irreversible step (cancel, release, stop a run),
  // also those a live panel brings in later.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  // A live panel (a plan run's progress) fetches itself again every few seconds until it
  // says it is done; without this script its page reloads itself instead.
  function poll(box, failures) {
    if (box.getAttribute("data-done") === "true") return;
    window.setTimeout(function () {
      fetch(box.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok || response.redirected) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-poll]");
          if (!fresh) throw new Error("no panel");
          var node = document.importNode(fresh, true);
          box.replaceWith(node);
          poll(node, 0);
        })
        .catch(function () {
          // The session ended or the server is away: after a few tries, the page itself.
          if (failures >= 2) window.location.reload(); else poll(box, failures + 1);
        });
    }, failures ? 5000 : 2000);
  }
  document.querySelectorAll("[data-poll]").forEach(function (box) { poll(box, 0); });
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
