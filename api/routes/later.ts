import { Router } from 'express';
import { HttpError } from '../errors';

// Routes whose capabilities come with later work go here, behind their roles and
// answering 501 through `notYet`, so the role matrix holds before they exist. None
// is left today: the SLA routes are in routes/sla.ts.
export const notYet = (what: string) => () => {
  throw new HttpError(501, 'not_implemented', `${what} is not available yet`);
};

export function laterRouter(): Router {
  const router = Router();
  return router;
}
