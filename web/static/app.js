// iopbill keyboard and live-refresh helpers. Plain JavaScript, no framework.
// j/k move, Enter opens, c claims, Ctrl+Enter submits the task form, / searches, ? helps.
(function () {
  "use strict";

  var IDLE_MS = 5 * 60 * 1000;
  var lastActivity = Date.now();
  ["keydown", "mousemove", "mousedown", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });

  // The inbox pulse polls only while the tab is visible and someone used it recently.
  window.iopActive = function () {
    return document.visibilityState === "visible" && Date.now() - lastActivity < IDLE_MS;
  };

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-task]"));
  }

  function selected() {
    return document.querySelector("tr[data-task].selected");
  }

  function select(row) {
    var old = selected();
    if (old) { old.classList.remove("selected"); old.removeAttribute("aria-selected"); }
    if (row) {
      row.classList.add("selected");
      row.setAttribute("aria-selected", "true");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var current = all.indexOf(selected());
    var next = current < 0 ? 0 : Math.min(all.length - 1, Math.max(0, current + step));
    select(all[next]);
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function submitTaskForm() {
    var form = document.querySelector("form[data-task-form]");
    if (form && form.querySelector("button[type=submit]")) { form.requestSubmit(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submitTaskForm();
      return;
    }
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var row = selected();
    var help = document.getElementById("keys-help");
    if (event.key === "j") { move(1); }
    else if (event.key === "k") { move(-1); }
    else if (event.key === "Enter" && row) {
      var link = row.querySelector("a[data-open]");
      if (link) { link.click(); }
    } else if (event.key === "c") {
      var claim = row ? row.querySelector("button[data-claim]") : document.querySelector("button[data-claim]");
      if (claim) { claim.click(); }
    } else if (event.key === "/") {
      var search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "?" && help) {
      if (help.open) { help.close(); } else { help.showModal(); }
    } else { return; }
    event.preventDefault();
  });

  // Keep the keyboard selection when the list is refreshed live.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = selected();
    event.detail.keepSelected = row ? row.getAttribute("data-task") : null;
    document.body.dataset.keepSelected = event.detail.keepSelected || "";
  });
  document.addEventListener("htmx:afterSettle", function () {
    var keep = document.body.dataset.keepSelected;
    if (!keep || selected()) { return; }
    var again = document.querySelector('tr[data-task="' + CSS.escape(keep) + '"]');
    if (again) { select(again); }
  });

  // A refused or failed htmx request says so instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    var status = event.detail.xhr.status;
    var text = status === 403 ? "Not allowed, or the page has expired: reload it."
      : status === 429 ? "Too many attempts: wait a moment."
      : "The server could not do that (" + status + "). Try again.";
    flash.textContent = "";
    var p = document.createElement("p");
    p.className = "flash error";
    p.textContent = text;
    flash.appendChild(p);
  });

  // "select all" for the supervisor's bulk form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.hasAttribute && box.hasAttribute("data-select-all")) {
      document.querySelectorAll('input[name="task_ids"]').forEach(function (other) {
        other.checked = box.checked;
      });
    }
  });
})();
