// Each cell of a table labelled with its column's heading (data-label), which site.css shows
// before the cell when a phone stacks the rows. Without this script the rows still stack.
document.querySelectorAll("main table").forEach((table) => {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    let column = 0;
    for (const cell of row.children) {
      const heading = headings[column];
      if (heading && cell.tagName === "TD" && !cell.dataset.label) cell.dataset.label = heading;
      column += cell.colSpan || 1;
    }
  });
});
