export { CatalogSync } from './catalog-sync.ts';
export { RestCatalog } from './rest-catalog.ts';
export { writeIcebergMetadata, icebergObstacle, icebergSchema } from './iceberg-metadata.ts';
