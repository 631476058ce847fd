/**
 * A count with its noun in the right number: "1 span", "2 spans", "1,024 spans". Every count the
 * trace view shows goes through here ("1 spans · 1 services").
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}
