/** The enrichment event itself (not a record in it) is malformed: nothing was processed. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}
