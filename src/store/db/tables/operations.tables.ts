/** Tables of the operations area (filled in by its migration). */
export interface OperationsTables {}
