export { LAYOUT, TABLE_NAME, TableCatalog, noSuchTable, parseTableName, resolveIn, tablePath, type Layer, type TableEntry, type TableName } from './catalog.ts';
