// The report page's 打印 button: the browser's print dialog (the page's print CSS lays it
// out on A4). The report itself needs no script.
const button = document.getElementById('print-report');
if (button) {
  button.addEventListener('click', () => window.print());
  button.disabled = false;
}
