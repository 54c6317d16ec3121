/**
 * Schema versions, applied in order and recorded in SQLite's `user_version`. Append only: a released
 * migration never changes, so an old data dir always upgrades the same way.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE credentials (
    appkey       TEXT PRIMARY KEY,
    accesstoken  TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    max_sessions INTEGER,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
  );
  CREATE TABLE assets (
    asset_key     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    model         TEXT NOT NULL,
    default_voice TEXT NOT NULL,
    expires_at    INTEGER,
    created_at    INTEGER NOT NULL
  );
  CREATE TABLE projects (
    project_id   TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    appkey       TEXT,
    avatar       TEXT NOT NULL,
    voice        TEXT NOT NULL,
    opening_line TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    session_id       TEXT PRIMARY KEY,
    appkey           TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    asset_key        TEXT NOT NULL,
    voice            TEXT NOT NULL,
    protocol         TEXT NOT NULL,
    driver_type      INTEGER NOT NULL,
    status           INTEGER NOT NULL,
    is_started       INTEGER NOT NULL DEFAULT 0,
    speak_status     TEXT NOT NULL DEFAULT '',
    error_code       INTEGER NOT NULL DEFAULT 0,
    error_message    TEXT NOT NULL DEFAULT '',
    close_type       INTEGER,
    stream_max_interval_ms INTEGER NOT NULL,
    timeout_sec      INTEGER,
    options          TEXT NOT NULL DEFAULT '{}',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    started_at       INTEGER,
    closed_at        INTEGER,
    last_activity_at INTEGER NOT NULL
  );
  -- Live sessions are what every hot query looks for: per appkey (lists, quota, UserId takeover) and by age.
  CREATE INDEX sessions_live_by_appkey ON sessions (appkey, created_at) WHERE status IN (1, 3);
  CREATE INDEX sessions_live_by_user ON sessions (appkey, user_id, created_at) WHERE status IN (1, 3);
  CREATE INDEX sessions_live_by_activity ON sessions (last_activity_at) WHERE status IN (1, 3);
  -- Live sessions per appkey, kept by triggers so the quota check on createsession is one row read
  -- however many sessions an appkey has.
  CREATE TABLE live_counts (appkey TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER sessions_live_insert AFTER INSERT ON sessions WHEN NEW.status IN (1, 3) BEGIN
    INSERT INTO live_counts (appkey, n) VALUES (NEW.appkey, 1) ON CONFLICT (appkey) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER sessions_live_end AFTER UPDATE OF status ON sessions
    WHEN OLD.status IN (1, 3) AND NEW.status NOT IN (1, 3) BEGIN
    UPDATE live_counts SET n = n - 1 WHERE appkey = OLD.appkey;
  END;
  `,
  // Idle rules per project (spec §3.7), copied onto each session when it is created.
  `
  ALTER TABLE projects ADD COLUMN session_idle_sec INTEGER;
  ALTER TABLE projects ADD COLUMN channel_idle_sec INTEGER;
  ALTER TABLE sessions ADD COLUMN idle_timeout_ms INTEGER NOT NULL DEFAULT 600000;
  ALTER TABLE sessions ADD COLUMN channel_idle_ms INTEGER NOT NULL DEFAULT 180000;
  DROP INDEX sessions_live_by_activity;
  CREATE INDEX sessions_live_by_deadline ON sessions (last_activity_at + idle_timeout_ms) WHERE status IN (1, 3);
  `,
  // Avatars (issue 5): the demo asset draws the built-in avatar "ava"; appkeys upload their own avatars; the
  // local demo page gets short-lived credentials that act for the server's own appkey.
  `
  UPDATE assets SET model = 'ava' WHERE asset_key = 'demo' AND model = 'builtin-2d';
  CREATE TABLE uploaded_avatars (
    appkey     TEXT NOT NULL,
    avatar_key TEXT NOT NULL,
    manifest   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (appkey, avatar_key)
  );
  CREATE TABLE temporary_credentials (
    appkey      TEXT PRIMARY KEY,
    accesstoken TEXT NOT NULL,
    acts_for    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE INDEX temporary_credentials_by_expiry ON temporary_credentials (expires_at);
  `,
  // Stream settings per project (issue 6): size, rate and the form of PlayStreamAddr, as one JSON object that the
  // store validates on read. NULL (every project made before) reads as the defaults, 512x512 at 25 fps.
  `
  ALTER TABLE projects ADD COLUMN stream TEXT;
  `,
  // Dialogue engine per project (issue 7), JSON validated on read; NULL is no engine.
  `
  ALTER TABLE projects ADD COLUMN dialogue TEXT;
  `,
  // Video generation tasks (issue 8): the queue survives restarts. `seq` orders the queue; `spec` and `result`
  // are JSON the video module validates; files live in <data-dir>/media/<task_id>/ until `expires_at`.
  `
  CREATE TABLE video_tasks (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id      TEXT NOT NULL UNIQUE,
    appkey       TEXT NOT NULL,
    spec         TEXT NOT NULL,
    callback_url TEXT,
    status       TEXT NOT NULL,
    progress     INTEGER NOT NULL DEFAULT 0,
    result       TEXT,
    fail_code    INTEGER NOT NULL DEFAULT 0,
    fail_message TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    expires_at   INTEGER
  );
  CREATE INDEX video_tasks_unfinished ON video_tasks (status, seq) WHERE status IN ('COMMIT', 'MAKING');
  CREATE INDEX video_tasks_unfinished_by_appkey ON video_tasks (appkey) WHERE status IN ('COMMIT', 'MAKING');
  CREATE INDEX video_tasks_by_expiry ON video_tasks (expires_at) WHERE expires_at IS NOT NULL;
  `,
];
