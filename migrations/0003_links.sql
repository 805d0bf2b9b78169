-- Links to items at their provider.
-- `events.link` and `tasks.link` exist since 0001 (Google's `htmlLink`,
-- Graph's `webLink`, Todoist's task URL); the clients keep only http(s)
-- links, and the app opens nothing else. This makes stored rows keep to the
-- same rule: any other scheme is dropped, and Todoist tasks synced without a
-- link get the web app's task URL (`provider_id` is the task id, or
-- `<id>@<completed seconds>` for a completed occurrence of a recurring task).
UPDATE events SET link = NULL
 WHERE link IS NOT NULL
   AND lower(substr(link, 1, 8)) <> 'https://'
   AND lower(substr(link, 1, 7)) <> 'http://';
UPDATE tasks SET link = NULL
 WHERE link IS NOT NULL
   AND lower(substr(link, 1, 8)) <> 'https://'
   AND lower(substr(link, 1, 7)) <> 'http://';
UPDATE tasks
   SET link = 'https://app.todoist.com/app/task/'
              || CASE WHEN instr(provider_id, '@') > 0
                      THEN substr(provider_id, 1, instr(provider_id, '@') - 1)
                      ELSE provider_id END
 WHERE link IS NULL
   AND source_id IN (SELECT s.id FROM sources s JOIN accounts a ON a.id = s.account_id
                      WHERE a.provider = 'todoist');
