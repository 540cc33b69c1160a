// The evidence page's viewer: a link to a photo or a PDF page's large image opens it in a modal <dialog> (the
// browser gives it Escape, focus inside it, and focus back on the link when it closes). Without JavaScript the
// link simply opens the image.
(function () {
  var dialog = document.getElementById("viewer");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var image = dialog.querySelector(".viewer-image");
  var caption = document.getElementById("viewer-caption");
  document.querySelectorAll("a[data-viewer]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;  // new tab, as asked
      event.preventDefault();
      image.src = link.href;
      image.alt = link.getAttribute("data-caption") || "";
      caption.textContent = link.getAttribute("data-caption") || "";
      dialog.showModal();
    });
  });
  dialog.querySelector("[data-viewer-close]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) {  // a click on the dark backdrop closes it too
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", function () { image.removeAttribute("src"); });
})();
