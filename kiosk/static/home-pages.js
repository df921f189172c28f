// The kiosk's home screen in pages: every choice on a page is on the screen at once, since a
// citizen (often elderly) does not discover a hidden scroll. A page is measured in the page
// itself, because the hall's names, its second language and 关怀模式 all change tile sizes.

/**
 * The services as the home screen lists them: grouped by field and floor, groups in the order
 * of the hall's first service of each. Each item is {group, service, first}.
 */
export function homeItems(state) {
  const fields = new Map((state?.hall?.fields ?? []).map((f) => [f.id, f]));
  const floors = new Map((state?.hall?.floors ?? []).map((f) => [f.id, f]));
  const groups = new Map();
  for (const service of state?.services ?? []) {
    const key = `${service.field}|${service.floor}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(service);
  }
  const items = [];
  for (const [key, services] of groups) {
    const [fieldId, floorId] = key.split("|");
    const field = fields.get(fieldId) ?? { name: fieldId };
    const floor = floors.get(floorId) ?? { label: floorId };
    const group = { key, title: `${field.name} · ${floor.label}`, titleAlt: field.name_alt };
    services.forEach((service, index) => items.push({ group, service, first: index === 0 }));
  }
  return items;
}

/**
 * `items` cut into pages for which `fits(page)` holds. A page holds at least one tile, however
 * large; a field and floor moves whole to the next page rather than be split, unless it does
 * not fit on a page of its own.
 */
export function paginate(items, fits) {
  const pages = [];
  let start = 0;
  while (start < items.length) {
    let end = start + 1;
    while (end < items.length && fits(items.slice(start, end + 1))) end += 1;
    const split = end < items.length && items[end].group === items[end - 1].group;
    const groupStart = split ? items.findIndex((item) => item.group === items[end].group) : start;
    if (groupStart > start) end = groupStart;
    pages.push(items.slice(start, end));
    start = end;
  }
  return pages;
}
