// Phone-only disclosure buttons (the header menu, the search filters). Without JavaScript the button stays
// hidden and the content stays visible, so nothing is ever out of reach; with it, on narrow screens the content
// folds behind the button (site.css: .collapsible), which says its state with aria-expanded.
document.querySelectorAll("button[data-disclosure]").forEach(function (button) {
  var target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) return;
  target.classList.add("collapsible");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    target.classList.toggle("open", open);
  });
});
