/**
 * The voters book's gold aggregates (the embedded demo's), from their config file voters-book.toml:
 * the demo's gold is configuration like any user's.
 */
import votersBookToml from './voters-book.toml';
import { goldFromToml, orderGold } from './config.ts';
import type { GoldDefinition } from './definition.ts';

export const votersBookGold: readonly GoldDefinition[] = orderGold(goldFromToml(votersBookToml as Record<string, unknown>, 'voters-book.toml'));
