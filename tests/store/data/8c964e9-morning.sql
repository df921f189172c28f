BEGIN TRANSACTION;
CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            window TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
INSERT INTO "devices" VALUES('kiosk-1','kiosk',NULL,'aae8eb6339f9d3b7493968cbf21625c4129043e081816fd4c9e1c7960bd031fc','2026-12-07T12:37:17.847349+00:00',NULL);
INSERT INTO "devices" VALUES('pad-1','pad','1','fe60f951db0bd8aafb3ea6b89c8b818fc0060dc5ac50185ef3aee8ae59131dbc','2026-12-07T12:37:18.341098+00:00',NULL);
INSERT INTO "devices" VALUES('pad-3','pad','3','2bbaa03fbd7619d955353e4305433353360ff36a74f186820ad1d260f70666d3','2026-12-07T12:37:18.775726+00:00',NULL);
INSERT INTO "devices" VALUES('station-2','station','2','6b86ad0b9abc44590b24a398d503c2f84ee69e9e04bf90f401e6d9aee451233b','2026-12-07T12:37:19.145967+00:00',NULL);
INSERT INTO "devices" VALUES('board-1','board',NULL,'b4cd22883c65e52423b51274e02fddc487ed5dcf2d2a284ebcee090b838cc0a2','2026-12-07T12:37:19.475219+00:00',NULL);
CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
INSERT INTO "events" VALUES(1,'ticket.issued','{"at":"2026-12-07T12:37:20.221891+00:00","ticket_id":"ad3ec6592a244b8a800c1b930e626a9a","number":"B001","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[1,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null}','2026-12-07T12:37:20.221891+00:00');
INSERT INTO "events" VALUES(2,'ticket.issued','{"at":"2026-12-07T12:37:20.225453+00:00","ticket_id":"f407cc912a2d43fd8f10f3838b077413","number":"B002","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[2,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null}','2026-12-07T12:37:20.225453+00:00');
INSERT INTO "events" VALUES(3,'ticket.issued','{"at":"2026-12-07T12:37:20.228032+00:00","ticket_id":"b9a2ddd9568d4e62a3778a738bc484d9","number":"A001","service":"social-insurance","priority":"normal","day":"2026-12-07","session":0,"key":[3,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null}','2026-12-07T12:37:20.228032+00:00');
INSERT INTO "events" VALUES(4,'window.opened','{"at":"2026-12-07T12:37:20.230862+00:00","window":"1","clerk":"wang"}','2026-12-07T12:37:20.230862+00:00');
INSERT INTO "events" VALUES(5,'ticket.called','{"at":"2026-12-07T12:37:20.233086+00:00","ticket_id":"ad3ec6592a244b8a800c1b930e626a9a","window":"1","callback":false}','2026-12-07T12:37:20.233086+00:00');
INSERT INTO "events" VALUES(6,'ticket.started','{"at":"2026-12-07T12:37:20.235288+00:00","ticket_id":"ad3ec6592a244b8a800c1b930e626a9a","window":"1"}','2026-12-07T12:37:20.235288+00:00');
INSERT INTO "events" VALUES(7,'ticket.finished','{"at":"2026-12-07T12:37:20.237735+00:00","ticket_id":"ad3ec6592a244b8a800c1b930e626a9a","window":"1","next_service":null,"key":null}','2026-12-07T12:37:20.237735+00:00');
INSERT INTO "events" VALUES(8,'ticket.called','{"at":"2026-12-07T12:37:22.365706+00:00","ticket_id":"f407cc912a2d43fd8f10f3838b077413","window":"1","callback":false}','2026-12-07T12:37:22.365706+00:00');
INSERT INTO "events" VALUES(9,'ticket.started','{"at":"2026-12-07T12:37:22.369144+00:00","ticket_id":"f407cc912a2d43fd8f10f3838b077413","window":"1"}','2026-12-07T12:37:22.369144+00:00');
INSERT INTO "events" VALUES(10,'ticket.finished','{"at":"2026-12-07T12:37:22.371859+00:00","ticket_id":"f407cc912a2d43fd8f10f3838b077413","window":"1","next_service":null,"key":null}','2026-12-07T12:37:22.371859+00:00');
INSERT INTO "events" VALUES(11,'ticket.called','{"at":"2026-12-07T12:37:22.373985+00:00","ticket_id":"b9a2ddd9568d4e62a3778a738bc484d9","window":"1","callback":false}','2026-12-07T12:37:22.373985+00:00');
CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
INSERT INTO "secrets" VALUES('id-hash',X'3BA316DC41F1449A0749C2D660FF8ABA6AACC4CFC7503ADDFEE10EB8B74558CF');
CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
INSERT INTO "sessions" VALUES('f0dd261c16208fd5a58e26c2db62eaa80e0c159d207b94817ce8a76ce01851d2','wang','2026-12-07T12:37:20.217387+00:00','2026-12-08T00:37:20.217387+00:00');
INSERT INTO "sessions" VALUES('2996bcbb0a023066548343663042f675724a3b1b3c4dabc531164f196646e782','wang','2026-12-07T12:37:22.360941+00:00','2026-12-08T00:37:22.360941+00:00');
INSERT INTO "sessions" VALUES('317c4b15f5b5d42b7fc76dc8ba38343e4baf412003136815dacf9e059787e368','mgr','2026-12-07T12:37:22.627034+00:00','2026-12-08T00:37:22.627034+00:00');
CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            state TEXT NOT NULL,
            taken_at TEXT NOT NULL
        );
INSERT INTO "snapshots" VALUES(7,'{"day":"2026-12-07","issued_today":{"household":2,"social-insurance":1},"issued_in_session":{"household/0":2,"social-insurance/0":1},"mean_minutes":{"social-insurance":6.0,"household":8.0,"business":10.0,"pickup":2.0},"next_major":4,"next_minor":1,"last_event_at":"2026-12-07T12:37:20.237735+00:00","tickets":[{"id":"ad3ec6592a244b8a800c1b930e626a9a","number":"B001","service":"household","origin_service":"household","priority":"normal","issued_at":"2026-12-07T12:37:20.221891+00:00","day":"2026-12-07","session":0,"state":"done","key":null,"window":"1","called_at":"2026-12-07T12:37:20.233086+00:00","started_at":"2026-12-07T12:37:20.235288+00:00","finished_at":"2026-12-07T12:37:20.237735+00:00","recalls":0,"requeues":0,"pinned":false,"transferred":false,"target_window":null,"route_remaining":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"missed_reason":null,"served":["household@1"],"rated":[]},{"id":"f407cc912a2d43fd8f10f3838b077413","number":"B002","service":"household","origin_service":"household","priority":"normal","issued_at":"2026-12-07T12:37:20.225453+00:00","day":"2026-12-07","session":0,"state":"waiting","key":[2,0],"window":null,"called_at":null,"started_at":null,"finished_at":null,"recalls":0,"requeues":0,"pinned":false,"transferred":false,"target_window":null,"route_remaining":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"missed_reason":null,"served":[],"rated":[]},{"id":"b9a2ddd9568d4e62a3778a738bc484d9","number":"A001","service":"social-insurance","origin_service":"social-insurance","priority":"normal","issued_at":"2026-12-07T12:37:20.228032+00:00","day":"2026-12-07","session":0,"state":"waiting","key":[3,0],"window":null,"called_at":null,"started_at":null,"finished_at":null,"recalls":0,"requeues":0,"pinned":false,"transferred":false,"target_window":null,"route_remaining":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"missed_reason":null,"served":[],"rated":[]}],"windows":[{"id":"1","state":"idle","clerk":"wang","ticket_id":null,"pause_reason":null,"since":"2026-12-07T12:37:20.237735+00:00","missed":[],"held":[]},{"id":"2","state":"closed","clerk":null,"ticket_id":null,"pause_reason":null,"since":null,"missed":[],"held":[]},{"id":"3","state":"closed","clerk":null,"ticket_id":null,"pause_reason":null,"since":null,"missed":[],"held":[]},{"id":"4","state":"closed","clerk":null,"ticket_id":null,"pause_reason":null,"since":null,"missed":[],"held":[]}]}','2026-12-07T12:37:20.237735+00:00');
CREATE TABLE users (
            username TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            display_name TEXT,
            staff_no TEXT,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        );
INSERT INTO "users" VALUES('mgr','manager','scrypt$15$8$1$gtvCJkhrlDfrBAua7K7Yug==$vs1fTKca1G9RxY/PdRIzY7NDkfJERr5TG+RyFlVvORA=',NULL,NULL,'2026-12-07T12:37:14.745575+00:00',0);
INSERT INTO "users" VALUES('wang','clerk','scrypt$15$8$1$EHP3AeFcrMsRxN7DprI4Bg==$il6+/PjR4mkhT6SnPpTvnaP+ku4rbWNmEoxTCpZ82TY=',NULL,NULL,'2026-12-07T12:37:15.406783+00:00',0);
INSERT INTO "users" VALUES('li','clerk','scrypt$15$8$1$7Alvqz7vE2znQbhPvHyT2Q==$+Xn+1e0wj3YcjplkWQHlfNUX1rp9GDSzW14X1WOlgl0=',NULL,NULL,'2026-12-07T12:37:16.041657+00:00',0);
INSERT INTO "users" VALUES('zhao','clerk','scrypt$15$8$1$KQnHZmWphrrpupTJlKEjUQ==$fHUU54nZCSVUQPRXvo7XVSfazfRyp6pFlA0TWtgBy2M=',NULL,NULL,'2026-12-07T12:37:16.707704+00:00',0);
INSERT INTO "users" VALUES('root1','admin','scrypt$15$8$1$LeNAO7BJf6LTd3FqXmmyNA==$eBwUPr0hOVxQLOpZii/51gjweTcwIzkJjwj7gy2X8Kc=',NULL,NULL,'2026-12-07T12:37:17.355383+00:00',0);
COMMIT;

-- The schema version the old server left in the file: iterdump does not carry it.
PRAGMA user_version=1;
