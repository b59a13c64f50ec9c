import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { toProblem } from './to-problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Renders every failure as application/problem+json. Used as the global filter and as the express error hook. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problems');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.send(error, http.getRequest<Request>(), http.getResponse<Response>());
  }

  /** Express error middleware for what fails before Nest routes (body parsing). */
  readonly middleware = (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    this.send(error, req, res);
  };

  private send(error: unknown, req: Request, res: Response): void {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      this.logger.error(
        `${req.method} ${req.originalUrl}: ${problem.code}`,
        (error as Error)?.stack ?? String(error),
      );
    }
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res
      .status(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.toBody(req.originalUrl)));
  }
}
