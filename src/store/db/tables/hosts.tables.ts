/** Tables of the hosts area (filled in by its migration). */
export interface HostsTables {}
