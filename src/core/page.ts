/** Repod's pagination shape, used by every paginated listing. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
  pages: number;
}

export interface PageRequest {
  page?: number;
  per_page?: number;
}

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 200;

export function pageWindow(req: PageRequest): { page: number; perPage: number; limit: number; offset: number } {
  const page = Math.max(1, Math.floor(req.page ?? 1));
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(req.per_page ?? DEFAULT_PER_PAGE)));
  return { page, perPage, limit: perPage, offset: (page - 1) * perPage };
}

export function toPage<T>(items: T[], total: number, win: { page: number; perPage: number }): Page<T> {
  return { items, total, page: win.page, per_page: win.perPage, pages: Math.ceil(total / win.perPage) };
}
