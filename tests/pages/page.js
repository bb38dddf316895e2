document.getElementById("open-modal").addEventListener("click", function () {
  touchpoint("show", "nps");
});
