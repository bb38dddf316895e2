// A request to the collector's API with the signed-in token, never cached:
// the one place the dashboard's calls say who they are.
export function api(token, url, { headers = {}, ...init } = {}) {
  return fetch(url, { cache: "no-store", ...init, headers: { ...headers, Authorization: `Bearer ${token}` } });
}
