/** One hour in milliseconds: SLAs are configured in hours, instants are epoch ms. */
export const HOUR_MS = 3_600_000;
