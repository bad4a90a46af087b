/** Tables of the accounts area (filled in by its migration). */
export interface AccountsTables {}
