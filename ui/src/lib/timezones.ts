// IANA time zones for the settings picker. No DOM, no IPC: unit-tested in timezones.test.ts.

/** Used when the webview cannot list its zones. */
const FALLBACK_ZONES = [
  "Africa/Cairo",
  "Africa/Johannesburg",
  "Africa/Lagos",
  "Africa/Nairobi",
  "America/Anchorage",
  "America/Argentina/Buenos_Aires",
  "America/Bogota",
  "America/Chicago",
  "America/Denver",
  "America/Halifax",
  "America/Los_Angeles",
  "America/Mexico_City",
  "America/New_York",
  "America/Phoenix",
  "America/Sao_Paulo",
  "America/St_Johns",
  "America/Toronto",
  "America/Vancouver",
  "Asia/Bangkok",
  "Asia/Dhaka",
  "Asia/Dubai",
  "Asia/Hong_Kong",
  "Asia/Jakarta",
  "Asia/Jerusalem",
  "Asia/Karachi",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Manila",
  "Asia/Seoul",
  "Asia/Shanghai",
  "Asia/Singapore",
  "Asia/Taipei",
  "Asia/Tehran",
  "Asia/Tokyo",
  "Atlantic/Reykjavik",
  "Australia/Adelaide",
  "Australia/Brisbane",
  "Australia/Perth",
  "Australia/Sydney",
  "Europe/Amsterdam",
  "Europe/Athens",
  "Europe/Berlin",
  "Europe/Dublin",
  "Europe/Helsinki",
  "Europe/Istanbul",
  "Europe/Lisbon",
  "Europe/London",
  "Europe/Madrid",
  "Europe/Moscow",
  "Europe/Paris",
  "Europe/Rome",
  "Europe/Stockholm",
  "Europe/Warsaw",
  "Europe/Zurich",
  "Pacific/Auckland",
  "Pacific/Honolulu",
];

/** Every zone the webview knows ("Europe/Berlin", …), sorted, with UTC. */
export function availableZones(
  list: () => string[] = () => Intl.supportedValuesOf("timeZone"),
): string[] {
  let zones: string[];
  try {
    zones = list();
  } catch {
    zones = [];
  }
  if (zones.length === 0) zones = FALLBACK_ZONES;
  return [...new Set([...zones, "UTC"])].sort();
}

/** The zone the system uses, as the webview sees it. */
export function systemZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

export interface ZoneGroup {
  /** "Europe", "America", … ; "Other" for zones without a region. */
  region: string;
  zones: { value: string; label: string }[];
}

/**
 * Zones grouped by region for a <select>. `keep` (the saved zone) is always
 * offered, even when the webview does not list it.
 */
export function groupZones(zones: string[], keep: string | null = null): ZoneGroup[] {
  const all = keep && !zones.includes(keep) ? [...zones, keep] : zones;
  const groups = new Map<string, ZoneGroup["zones"]>();
  for (const zone of [...all].sort()) {
    const slash = zone.indexOf("/");
    const region = slash > 0 ? zone.slice(0, slash) : "Other";
    const rest = slash > 0 ? zone.slice(slash + 1) : zone;
    const label = rest.replaceAll("_", " ").replaceAll("/", " / ");
    const list = groups.get(region) ?? [];
    list.push({ value: zone, label });
    groups.set(region, list);
  }
  return [...groups].map(([region, zones]) => ({ region, zones }));
}
