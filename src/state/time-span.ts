/**
 * A duration in whole seconds as .NET `TimeSpan.ToString()` prints it:
 * `hh:mm:ss`, with `d.` in front from one day on — the `{t}` of
 * "Quota will be replenished in {t}." (observed: `00:08:24` for 504 s).
 * Fractions are rounded up, as Retry-After is: waiting that long is enough.
 */
export function formatTimeSpan(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const clock = `${pad(hours)}:${pad(minutes)}:${pad(secs)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
