import type { TaskRun } from '../../sla/chain-task.js';
import type { IiqHttp } from '../http.js';
import { PageGuard } from '../parse.js';
import { omitKeys } from '../../omit-keys.js';
import { scimTaskResultPage } from './task-result-schema.js';

const LABEL = 'GET /scim/v2/TaskResults';

/**
 * Every TaskResult whose name starts with `taskName` (`filter=name sw "<name>"`), all pages.
 * The same SCIM endpoint serves REST-mode configs: IIQ's REST API has no task results. Throws
 * SourceReadError when the read is not complete (a failed read, never "no result").
 */
export async function fetchTaskResults(http: IiqHttp, taskName: string, pageSize: number): Promise<TaskRun[]> {
  const filter = encodeURIComponent(`name sw ${JSON.stringify(taskName)}`);
  const guard = new PageGuard(LABEL);
  const runs: TaskRun[] = [];
  for (;;) {
    const page = await http.getJson(
      `/scim/v2/TaskResults?filter=${filter}&startIndex=${runs.length + 1}&count=${pageSize}`,
      scimTaskResultPage,
      LABEL,
    );
    if (page.Resources.length === 0) {
      guard.checkComplete(runs.length, page.totalResults);
      return runs;
    }
    guard.checkNew(
      page.Resources.map((result) => result.id),
      runs.length + 1,
    );
    for (const result of page.Resources) runs.push(omitKeys(result, 'id'));
    if (runs.length >= page.totalResults) return runs;
  }
}
