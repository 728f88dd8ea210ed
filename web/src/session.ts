// The API key: kept in sessionStorage (this tab, until it closes), never in localStorage or a cookie.
const KEY = 'pressroom.apiKey';

export const apiKey = (): string | null => sessionStorage.getItem(KEY);

export function setApiKey(key: string | null) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export const authorization = (): string | null => {
  const key = apiKey();
  return key ? `Bearer ${key}` : null;
};
