// tidings: scroll a cited passage into view; highlight a #start-end fragment on article pages.
// The server already marks ?hl=start-end as <mark id="hl">; this only adds the fragment form
// (/articles/ID#120-245) and the scrolling. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  function clearMarks(container) {
    var marks = container.querySelectorAll("mark");
    for (var i = 0; i < marks.length; i++) {
      var mark = marks[i];
      var parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    }
  }

  // Wrap [start, end) of the article text in <mark>; paragraphs carry their offset in data-start,
  // and their text is exactly the article's text from there.
  function markSpan(container, start, end) {
    var first = null;
    var paragraphs = container.querySelectorAll("p[data-start]");
    for (var i = 0; i < paragraphs.length; i++) {
      var p = paragraphs[i];
      var from = parseInt(p.getAttribute("data-start"), 10);
      var to = from + p.textContent.length;
      var a = Math.max(start, from), b = Math.min(end, to);
      if (a >= b) continue;
      p.normalize();
      var node = p.firstChild;
      if (!node || node.nodeType !== 3) continue;
      var inside = node.splitText(a - from);
      inside.splitText(b - a);
      var mark = document.createElement("mark");
      p.replaceChild(mark, inside);
      mark.appendChild(inside);
      if (!first) { first = mark; mark.id = "hl"; }
    }
    return first;
  }

  function fromHash() {
    var match = /^#(\d+)-(\d+)$/.exec(window.location.hash);
    var container = document.getElementById("article-text");
    if (!match || !container) return null;
    var start = parseInt(match[1], 10), end = parseInt(match[2], 10);
    var length = parseInt(container.getAttribute("data-length"), 10);
    if (!(start < end && end <= length)) return null;
    clearMarks(container);
    return markSpan(container, start, end);
  }

  function reveal(mark) {
    if (!mark) return;
    mark.setAttribute("tabindex", "-1");
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  }

  function init() {
    reveal(fromHash() || document.getElementById("hl"));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.addEventListener("hashchange", function () { reveal(fromHash()); });
})();
