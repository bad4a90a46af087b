/** Tables of the security area (filled in by its migration). */
export interface SecurityTables {}
