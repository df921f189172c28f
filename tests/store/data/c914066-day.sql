BEGIN TRANSACTION;
CREATE TABLE access_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            subject TEXT,
            client TEXT
        );
INSERT INTO "access_log" VALUES(1,'2026-12-07T12:34:23.378445+00:00','user.added','cli','user:mgr',NULL);
INSERT INTO "access_log" VALUES(2,'2026-12-07T12:34:24.004072+00:00','user.added','cli','user:wang',NULL);
INSERT INTO "access_log" VALUES(3,'2026-12-07T12:34:24.785645+00:00','user.added','cli','user:li',NULL);
INSERT INTO "access_log" VALUES(4,'2026-12-07T12:34:25.583244+00:00','user.added','cli','user:zhao',NULL);
INSERT INTO "access_log" VALUES(5,'2026-12-07T12:34:26.502893+00:00','user.added','cli','user:root1',NULL);
INSERT INTO "access_log" VALUES(6,'2026-12-07T12:34:27.240274+00:00','device.added','cli','device:kiosk-1',NULL);
INSERT INTO "access_log" VALUES(7,'2026-12-07T12:34:28.003588+00:00','device.added','cli','device:pad-1',NULL);
INSERT INTO "access_log" VALUES(8,'2026-12-07T12:34:28.793389+00:00','device.added','cli','device:pad-3',NULL);
INSERT INTO "access_log" VALUES(9,'2026-12-07T12:34:29.491317+00:00','device.added','cli','device:station-2',NULL);
INSERT INTO "access_log" VALUES(10,'2026-12-07T12:34:30.213207+00:00','device.added','cli','device:board-1',NULL);
INSERT INTO "access_log" VALUES(11,'2026-12-07T12:34:32.397094+00:00','login.succeeded','mgr',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(12,'2026-12-07T12:34:32.561127+00:00','login.succeeded','wang',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(13,'2026-12-07T12:34:32.724454+00:00','login.succeeded','li',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(14,'2026-12-07T12:34:32.891641+00:00','login.succeeded','zhao',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(15,'2026-12-07T12:34:35.496144+00:00','login.succeeded','mgr',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(16,'2026-12-07T12:34:35.651621+00:00','login.succeeded','wang',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(17,'2026-12-07T12:34:35.809605+00:00','login.succeeded','zhao',NULL,'127.0.0.1');
INSERT INTO "access_log" VALUES(18,'2026-12-07T12:34:36.091912+00:00','login.succeeded','mgr',NULL,'127.0.0.1');
CREATE TABLE devices (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            window TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
INSERT INTO "devices" VALUES('kiosk-1','kiosk',NULL,'8173ac3a518824c62237d4ebf7ee057aa76071699b779680790e1c968b1a51f4','2026-12-07T12:34:27.238914+00:00',NULL);
INSERT INTO "devices" VALUES('pad-1','pad','1','0211d807363ddca3f2f8da43c316b09a05618820abf92c46f3a9da5c52fe034f','2026-12-07T12:34:28.002482+00:00',NULL);
INSERT INTO "devices" VALUES('pad-3','pad','3','c6e689efa76aaf6910d5d033c6157a0128bb36edcc2b8d57f1d7b70fa36e36a9','2026-12-07T12:34:28.792054+00:00',NULL);
INSERT INTO "devices" VALUES('station-2','station','2','df06128cf8538f69248f92e150830a3a2374a81611341955c8a24f8f3fe802bd','2026-12-07T12:34:29.486094+00:00',NULL);
INSERT INTO "devices" VALUES('board-1','board',NULL,'e55e73ac2cb6636b378412b12e0afc5c985ae8ca08072f27c9d4859d3e625b2b','2026-12-07T12:34:30.211918+00:00',NULL);
CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
INSERT INTO "events" VALUES(1,'alert.raised','{"at":"2026-12-07T12:34:30.913189+00:00","alert_id":"unstaffed:1@20261207T123430","kind":"unstaffed","subject":"1","message":"1号窗口在办公时间无人在岗"}','2026-12-07T12:34:30.913189+00:00');
INSERT INTO "events" VALUES(2,'alert.raised','{"at":"2026-12-07T12:34:30.913189+00:00","alert_id":"unstaffed:2@20261207T123430","kind":"unstaffed","subject":"2","message":"2号窗口在办公时间无人在岗"}','2026-12-07T12:34:30.913189+00:00');
INSERT INTO "events" VALUES(3,'device.reported','{"at":"2026-12-07T12:34:32.894336+00:00","device":"device:kiosk-1","component":"printer","condition":"paper_out","detail":"缺纸"}','2026-12-07T12:34:32.894336+00:00');
INSERT INTO "events" VALUES(4,'appointment.booked','{"at":"2026-12-07T12:34:32.898271+00:00","code":"APT-0001","service":"household","slot_start":"2026-12-07T12:24:32+00:00","slot_end":"2026-12-07T13:24:32+00:00","by":"user:mgr"}','2026-12-07T12:34:32.898271+00:00');
INSERT INTO "events" VALUES(5,'appointment.booked','{"at":"2026-12-07T12:34:32.901466+00:00","code":"APT-0002","service":"social-insurance","slot_start":"2026-12-07T13:34:32+00:00","slot_end":"2026-12-07T14:34:32+00:00","by":"user:mgr"}','2026-12-07T12:34:32.901466+00:00');
INSERT INTO "events" VALUES(6,'ticket.issued','{"at":"2026-12-07T12:34:32.904176+00:00","ticket_id":"a2edd4d6fcbe44fab3f525705147d757","number":"A001","service":"social-insurance","priority":"normal","day":"2026-12-07","session":0,"key":[1,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.904176+00:00');
INSERT INTO "events" VALUES(7,'ticket.issued','{"at":"2026-12-07T12:34:32.906525+00:00","ticket_id":"7ef0faee0062408abfac486edbcc759d","number":"A002","service":"social-insurance","priority":"green","day":"2026-12-07","session":0,"key":[2,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":"2d6e6501d370b86789f007ea047f6d86e26a84131659d8d9f2c4de43a4ec02db","slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.906525+00:00');
INSERT INTO "events" VALUES(8,'ticket.issued','{"at":"2026-12-07T12:34:32.908555+00:00","ticket_id":"a56bd0f3ce8743919ddaf3b2389ca9a5","number":"A003","service":"social-insurance","priority":"normal","day":"2026-12-07","session":0,"key":[3,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.908555+00:00');
INSERT INTO "events" VALUES(9,'ticket.issued','{"at":"2026-12-07T12:34:32.912155+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","number":"B001","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[4,0],"route":[],"device":"device:kiosk-1","idempotency_key":"k-b1","id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.912155+00:00');
INSERT INTO "events" VALUES(10,'ticket.issued','{"at":"2026-12-07T12:34:32.916214+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","number":"B002","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[5,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":"e063b649249c82c46a1044a68748e0d75aee212e9bcca683fe19e68cd9cfe7cb","slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.916214+00:00');
INSERT INTO "events" VALUES(11,'ticket.issued','{"at":"2026-12-07T12:34:32.917928+00:00","ticket_id":"092a5dc9b0bc480cbb410d8136f285a7","number":"B003","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[6,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.917928+00:00');
INSERT INTO "events" VALUES(12,'ticket.issued','{"at":"2026-12-07T12:34:32.921677+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","number":"C001","service":"business","priority":"normal","day":"2026-12-07","session":0,"key":[7,0],"route":["pickup"],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:32.921677+00:00');
INSERT INTO "events" VALUES(13,'window.opened','{"at":"2026-12-07T12:34:32.926166+00:00","window":"1","clerk":"wang","clerk_name":null,"staff_no":null}','2026-12-07T12:34:32.926166+00:00');
INSERT INTO "events" VALUES(14,'window.opened','{"at":"2026-12-07T12:34:32.928211+00:00","window":"3","clerk":"li","clerk_name":null,"staff_no":null}','2026-12-07T12:34:32.928211+00:00');
INSERT INTO "events" VALUES(15,'window.opened','{"at":"2026-12-07T12:34:32.930574+00:00","window":"2","clerk":"zhao","clerk_name":null,"staff_no":null}','2026-12-07T12:34:32.930574+00:00');
INSERT INTO "events" VALUES(16,'window.opened','{"at":"2026-12-07T12:34:32.932519+00:00","window":"4","clerk":null,"clerk_name":null,"staff_no":null}','2026-12-07T12:34:32.932519+00:00');
INSERT INTO "events" VALUES(17,'tuning.changed','{"at":"2026-12-07T12:34:32.932519+00:00","change_id":"4c72cb072638458fb00d17fae44b3554","kind":"window_open","target":"4","before":{"open":false},"after":{"open":true},"by":"user:mgr","undoes":null}','2026-12-07T12:34:32.932519+00:00');
INSERT INTO "events" VALUES(18,'ticket.called','{"at":"2026-12-07T12:34:32.936015+00:00","ticket_id":"7ef0faee0062408abfac486edbcc759d","window":"3","callback":false}','2026-12-07T12:34:32.936015+00:00');
INSERT INTO "events" VALUES(19,'ticket.recalled','{"at":"2026-12-07T12:34:32.940374+00:00","ticket_id":"7ef0faee0062408abfac486edbcc759d","window":"3","count":1}','2026-12-07T12:34:32.940374+00:00');
INSERT INTO "events" VALUES(20,'ticket.no_show','{"at":"2026-12-07T12:34:32.943769+00:00","ticket_id":"7ef0faee0062408abfac486edbcc759d","window":"3","reason":"未到","key":[8,0]}','2026-12-07T12:34:32.943769+00:00');
INSERT INTO "events" VALUES(21,'ticket.called','{"at":"2026-12-07T12:34:32.946791+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1","callback":false}','2026-12-07T12:34:32.946791+00:00');
INSERT INTO "events" VALUES(22,'ticket.recalled','{"at":"2026-12-07T12:34:32.948954+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1","count":1}','2026-12-07T12:34:32.948954+00:00');
INSERT INTO "events" VALUES(23,'ticket.started','{"at":"2026-12-07T12:34:32.953065+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1"}','2026-12-07T12:34:32.953065+00:00');
INSERT INTO "events" VALUES(24,'ticket.finished','{"at":"2026-12-07T12:34:32.955360+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1","next_service":null,"key":null,"service":"household","clerk":"wang","staff_no":null,"clerk_name":null,"case_no":"BJ2026-001"}','2026-12-07T12:34:32.955360+00:00');
INSERT INTO "events" VALUES(25,'rating.opened','{"at":"2026-12-07T12:34:32.955360+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1","service":"household","key_until":"2026-12-07T12:34:42.955360+00:00","touch_until":"2026-12-07T12:35:32.955360+00:00","asked":false}','2026-12-07T12:34:32.955360+00:00');
INSERT INTO "events" VALUES(26,'rating.recorded','{"at":"2026-12-07T12:34:32.958504+00:00","ticket_id":"0ae124ed3ba24c239e69f2f4806d24de","window":"1","service":"household","clerk":"wang","level":5,"tags":[],"comment":null,"channel":4,"device":"device:pad-1","served_at":"2026-12-07T12:34:32.955360+00:00","rating_id":"30dfb07266d8438abca086e39d044695","ticket_number":"B001","staff_no":null,"clerk_name":null,"follow_up":false,"default":false,"rater":null,"case_no":"BJ2026-001"}','2026-12-07T12:34:32.958504+00:00');
INSERT INTO "events" VALUES(27,'ticket.called','{"at":"2026-12-07T12:34:32.961207+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2","callback":false}','2026-12-07T12:34:32.961207+00:00');
INSERT INTO "events" VALUES(28,'ticket.started','{"at":"2026-12-07T12:34:32.963205+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2"}','2026-12-07T12:34:32.963205+00:00');
INSERT INTO "events" VALUES(29,'ticket.held','{"at":"2026-12-07T12:34:32.965514+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2"}','2026-12-07T12:34:32.965514+00:00');
INSERT INTO "events" VALUES(30,'ticket.called','{"at":"2026-12-07T12:34:32.967395+00:00","ticket_id":"092a5dc9b0bc480cbb410d8136f285a7","window":"2","callback":false}','2026-12-07T12:34:32.967395+00:00');
INSERT INTO "events" VALUES(31,'ticket.started','{"at":"2026-12-07T12:34:32.969548+00:00","ticket_id":"092a5dc9b0bc480cbb410d8136f285a7","window":"2"}','2026-12-07T12:34:32.969548+00:00');
INSERT INTO "events" VALUES(32,'ticket.finished','{"at":"2026-12-07T12:34:32.971614+00:00","ticket_id":"092a5dc9b0bc480cbb410d8136f285a7","window":"2","next_service":null,"key":null,"service":"household","clerk":"zhao","staff_no":null,"clerk_name":null,"case_no":null}','2026-12-07T12:34:32.971614+00:00');
INSERT INTO "events" VALUES(33,'rating.opened','{"at":"2026-12-07T12:34:32.971614+00:00","ticket_id":"092a5dc9b0bc480cbb410d8136f285a7","window":"2","service":"household","key_until":"2026-12-07T12:34:42.971614+00:00","touch_until":"2026-12-07T12:35:32.971614+00:00","asked":false}','2026-12-07T12:34:32.971614+00:00');
INSERT INTO "events" VALUES(34,'ticket.resumed','{"at":"2026-12-07T12:34:32.974790+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2"}','2026-12-07T12:34:32.974790+00:00');
INSERT INTO "events" VALUES(35,'ticket.finished','{"at":"2026-12-07T12:34:32.977296+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2","next_service":null,"key":null,"service":"household","clerk":"zhao","staff_no":null,"clerk_name":null,"case_no":null}','2026-12-07T12:34:32.977296+00:00');
INSERT INTO "events" VALUES(36,'rating.opened','{"at":"2026-12-07T12:34:32.977296+00:00","ticket_id":"6bd386ee924b4fada20928c0c269c6dd","window":"2","service":"household","key_until":"2026-12-07T12:34:42.977296+00:00","touch_until":"2026-12-07T12:35:32.977296+00:00","asked":false}','2026-12-07T12:34:32.977296+00:00');
INSERT INTO "events" VALUES(37,'ticket.called','{"at":"2026-12-07T12:34:32.979761+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"1","callback":false}','2026-12-07T12:34:32.979761+00:00');
INSERT INTO "events" VALUES(38,'ticket.started','{"at":"2026-12-07T12:34:32.981894+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"1"}','2026-12-07T12:34:32.981894+00:00');
INSERT INTO "events" VALUES(39,'ticket.finished','{"at":"2026-12-07T12:34:32.983669+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"1","next_service":"pickup","key":[9,0],"service":"business","clerk":"wang","staff_no":null,"clerk_name":null,"case_no":null}','2026-12-07T12:34:32.983669+00:00');
INSERT INTO "events" VALUES(40,'rating.opened','{"at":"2026-12-07T12:34:32.983669+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"1","service":"business","key_until":"2026-12-07T12:34:42.983669+00:00","touch_until":"2026-12-07T12:35:32.983669+00:00","asked":false}','2026-12-07T12:34:32.983669+00:00');
INSERT INTO "events" VALUES(41,'rating.recorded','{"at":"2026-12-07T12:34:32.986427+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"1","service":"business","clerk":"wang","level":1,"tags":["115"],"comment":"态度生硬","channel":4,"device":"device:pad-1","served_at":"2026-12-07T12:34:32.983669+00:00","rating_id":"dd6f7f0ea60e43018ee4c5ab86ce471d","ticket_number":"C001","staff_no":null,"clerk_name":null,"follow_up":false,"default":false,"rater":null,"case_no":null}','2026-12-07T12:34:32.986427+00:00');
INSERT INTO "events" VALUES(42,'case.opened','{"at":"2026-12-07T12:34:32.986427+00:00","case_id":"20261207-001","rating_id":"dd6f7f0ea60e43018ee4c5ab86ce471d","verify_by":"2026-12-08T23:59:59.999999+00:00","rectify_by":"2026-12-28T23:59:59.999999+00:00"}','2026-12-07T12:34:32.986427+00:00');
INSERT INTO "events" VALUES(43,'alert.raised','{"at":"2026-12-07T12:34:32.986427+00:00","alert_id":"bad_rating:20261207-001","kind":"bad_rating","subject":"20261207-001","message":"1号窗口(无人签到) C001 收到差评“非常不满意”: 服务态度差效率低; 已生成工单20261207-001"}','2026-12-07T12:34:32.986427+00:00');
INSERT INTO "events" VALUES(44,'window.paused','{"at":"2026-12-07T12:34:32.988659+00:00","window":"2","reason":"休息"}','2026-12-07T12:34:32.988659+00:00');
INSERT INTO "events" VALUES(45,'window.resumed','{"at":"2026-12-07T12:34:32.990460+00:00","window":"2"}','2026-12-07T12:34:32.990460+00:00');
INSERT INTO "events" VALUES(46,'ticket.issued','{"at":"2026-12-07T12:34:32.992496+00:00","ticket_id":"763afd0aacb547c9bbb2cf418c9888e5","number":"B004","service":"household","priority":"appointment","day":"2026-12-07","session":0,"key":[10,0],"route":[],"device":"device:kiosk-1","idempotency_key":"apt1","id_hash":null,"slot_start":"2026-12-07T12:24:32+00:00","slot_end":"2026-12-07T13:24:32+00:00","appointment":"APT-0001"}','2026-12-07T12:34:32.992496+00:00');
INSERT INTO "events" VALUES(47,'tuning.changed','{"at":"2026-12-07T12:34:32.994453+00:00","change_id":"e4800b6a35894080b12293a10c23da4e","kind":"quota","target":"household","before":{"daily_quota":null,"session_quota":null},"after":{"daily_quota":50,"session_quota":null},"by":"user:mgr","undoes":null}','2026-12-07T12:34:32.994453+00:00');
INSERT INTO "events" VALUES(48,'case.advanced','{"at":"2026-12-07T12:34:32.999180+00:00","case_id":"20261207-001","action":"verify","state":"verified","by":"user:mgr","note":"已核实","callback_by":null}','2026-12-07T12:34:32.999180+00:00');
INSERT INTO "events" VALUES(49,'alert.acknowledged','{"at":"2026-12-07T12:34:33.012255+00:00","alert_id":"bad_rating:20261207-001","by":"user:mgr"}','2026-12-07T12:34:33.012255+00:00');
INSERT INTO "events" VALUES(50,'alert.cleared','{"at":"2026-12-07T12:34:34.992955+00:00","alert_id":"unstaffed:1@20261207T123430"}','2026-12-07T12:34:34.992955+00:00');
INSERT INTO "events" VALUES(51,'alert.cleared','{"at":"2026-12-07T12:34:34.992955+00:00","alert_id":"unstaffed:2@20261207T123430"}','2026-12-07T12:34:34.992955+00:00');
INSERT INTO "events" VALUES(52,'alert.raised','{"at":"2026-12-07T12:34:34.992955+00:00","alert_id":"device_fault:device:kiosk-1:printer@20261207T123434","kind":"device_fault","subject":"device:kiosk-1","message":"设备device:kiosk-1的printer故障: paper_out"}','2026-12-07T12:34:34.992955+00:00');
INSERT INTO "events" VALUES(53,'ticket.issued','{"at":"2026-12-07T12:34:35.812218+00:00","ticket_id":"4ca7efe245404a51bbd8aaff7df434d5","number":"A004","service":"social-insurance","priority":"normal","day":"2026-12-07","session":0,"key":[11,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:35.812218+00:00');
INSERT INTO "events" VALUES(54,'ticket.issued','{"at":"2026-12-07T12:34:35.814718+00:00","ticket_id":"026678cce870418383d32337288db502","number":"B005","service":"household","priority":"green","day":"2026-12-07","session":0,"key":[12,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:35.814718+00:00');
INSERT INTO "events" VALUES(55,'ticket.issued','{"at":"2026-12-07T12:34:35.816667+00:00","ticket_id":"10186a53192b4b628ec4709568e408b5","number":"B006","service":"household","priority":"normal","day":"2026-12-07","session":0,"key":[13,0],"route":[],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:35.816667+00:00');
INSERT INTO "events" VALUES(56,'ticket.issued','{"at":"2026-12-07T12:34:35.818537+00:00","ticket_id":"8a14b8b8a23f49f4becfb0dd46c674ca","number":"C002","service":"business","priority":"normal","day":"2026-12-07","session":0,"key":[14,0],"route":["pickup"],"device":"device:kiosk-1","idempotency_key":null,"id_hash":null,"slot_start":null,"slot_end":null,"appointment":null}','2026-12-07T12:34:35.818537+00:00');
INSERT INTO "events" VALUES(57,'ticket.called','{"at":"2026-12-07T12:34:35.820754+00:00","ticket_id":"026678cce870418383d32337288db502","window":"2","callback":false}','2026-12-07T12:34:35.820754+00:00');
INSERT INTO "events" VALUES(58,'ticket.started','{"at":"2026-12-07T12:34:35.822858+00:00","ticket_id":"026678cce870418383d32337288db502","window":"2"}','2026-12-07T12:34:35.822858+00:00');
INSERT INTO "events" VALUES(59,'ticket.finished','{"at":"2026-12-07T12:34:35.824593+00:00","ticket_id":"026678cce870418383d32337288db502","window":"2","next_service":null,"key":null,"service":"household","clerk":"zhao","staff_no":null,"clerk_name":null,"case_no":null}','2026-12-07T12:34:35.824593+00:00');
INSERT INTO "events" VALUES(60,'rating.opened','{"at":"2026-12-07T12:34:35.824593+00:00","ticket_id":"026678cce870418383d32337288db502","window":"2","service":"household","key_until":"2026-12-07T12:34:45.824593+00:00","touch_until":"2026-12-07T12:35:35.824593+00:00","asked":false}','2026-12-07T12:34:35.824593+00:00');
INSERT INTO "events" VALUES(61,'ticket.called','{"at":"2026-12-07T12:34:35.826592+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"2","callback":false}','2026-12-07T12:34:35.826592+00:00');
INSERT INTO "events" VALUES(62,'ticket.started','{"at":"2026-12-07T12:34:35.828582+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"2"}','2026-12-07T12:34:35.828582+00:00');
INSERT INTO "events" VALUES(63,'ticket.finished','{"at":"2026-12-07T12:34:35.830448+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"2","next_service":null,"key":null,"service":"pickup","clerk":"zhao","staff_no":null,"clerk_name":null,"case_no":null}','2026-12-07T12:34:35.830448+00:00');
INSERT INTO "events" VALUES(64,'rating.opened','{"at":"2026-12-07T12:34:35.830448+00:00","ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","window":"2","service":"pickup","key_until":"2026-12-07T12:34:45.830448+00:00","touch_until":"2026-12-07T12:35:35.830448+00:00","asked":false}','2026-12-07T12:34:35.830448+00:00');
INSERT INTO "events" VALUES(65,'ticket.called','{"at":"2026-12-07T12:34:35.832255+00:00","ticket_id":"763afd0aacb547c9bbb2cf418c9888e5","window":"2","callback":false}','2026-12-07T12:34:35.832255+00:00');
INSERT INTO "events" VALUES(66,'ticket.started','{"at":"2026-12-07T12:34:35.834250+00:00","ticket_id":"763afd0aacb547c9bbb2cf418c9888e5","window":"2"}','2026-12-07T12:34:35.834250+00:00');
INSERT INTO "events" VALUES(67,'ticket.held','{"at":"2026-12-07T12:34:35.836066+00:00","ticket_id":"763afd0aacb547c9bbb2cf418c9888e5","window":"2"}','2026-12-07T12:34:35.836066+00:00');
INSERT INTO "events" VALUES(68,'ticket.called','{"at":"2026-12-07T12:34:35.837805+00:00","ticket_id":"10186a53192b4b628ec4709568e408b5","window":"2","callback":false}','2026-12-07T12:34:35.837805+00:00');
INSERT INTO "events" VALUES(69,'ticket.recalled','{"at":"2026-12-07T12:34:35.839628+00:00","ticket_id":"10186a53192b4b628ec4709568e408b5","window":"2","count":1}','2026-12-07T12:34:35.839628+00:00');
INSERT INTO "events" VALUES(70,'ticket.called','{"at":"2026-12-07T12:34:35.841690+00:00","ticket_id":"8a14b8b8a23f49f4becfb0dd46c674ca","window":"1","callback":false}','2026-12-07T12:34:35.841690+00:00');
INSERT INTO "events" VALUES(71,'ticket.started','{"at":"2026-12-07T12:34:35.843549+00:00","ticket_id":"8a14b8b8a23f49f4becfb0dd46c674ca","window":"1"}','2026-12-07T12:34:35.843549+00:00');
INSERT INTO "events" VALUES(72,'window.closed','{"at":"2026-12-07T12:34:35.845463+00:00","window":"4"}','2026-12-07T12:34:35.845463+00:00');
INSERT INTO "events" VALUES(73,'tuning.changed','{"at":"2026-12-07T12:34:35.845463+00:00","change_id":"e7eda31f4fd340fe90d59a1c6f56baa2","kind":"window_open","target":"4","before":{"open":true},"after":{"open":false},"by":"user:mgr","undoes":null}','2026-12-07T12:34:35.845463+00:00');
INSERT INTO "events" VALUES(74,'case.advanced','{"at":"2026-12-07T12:34:35.848538+00:00","case_id":"20261207-001","action":"rectify","state":"rectified","by":"user:mgr","note":"已整改","callback_by":"2026-12-08T23:59:59.999999+00:00"}','2026-12-07T12:34:35.848538+00:00');
CREATE TABLE login_failures (
            subject TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            blocked_until TEXT,
            locked_until TEXT
        );
CREATE TABLE secrets (
            name TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
INSERT INTO "secrets" VALUES('id-hash',X'D721846180DE4B7A7C44F6211308A4AA8F775E9C8EA13210A547855A0D409A3A');
INSERT INTO "secrets" VALUES('rating-key',X'1E0E1F2F8B9991B6843345E27EBE0262F090EC77445BE27255716EBE30132D7F');
INSERT INTO "secrets" VALUES('rater-seal',X'1C2BE10F7B8CFCA5E091EA93CA730490BE4265DDE640BDBA4CF50A0EAC812E07');
CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
INSERT INTO "sessions" VALUES('9e816bb96309302653e00afa3c08f229fc59e46da86d95e4007d4d6bcf0b1be7','mgr','2026-12-07T12:34:32.394425+00:00','2026-12-08T00:34:32.394425+00:00');
INSERT INTO "sessions" VALUES('e4ce5cefd96e2c6868b06cd895302664663ca30755a3844a4a5aa4d984c18eb5','wang','2026-12-07T12:34:32.558942+00:00','2026-12-08T00:34:32.558942+00:00');
INSERT INTO "sessions" VALUES('972cae187417f995d22b55ad19c8ea6978e04ec904ad15ec01c96f7bfd8cbb02','li','2026-12-07T12:34:32.723615+00:00','2026-12-08T00:34:32.723615+00:00');
INSERT INTO "sessions" VALUES('c267722ecf0a954ddcb3c35000ae7a13c65c78d2d5472263c8293db4722cacaa','zhao','2026-12-07T12:34:32.890925+00:00','2026-12-08T00:34:32.890925+00:00');
INSERT INTO "sessions" VALUES('ed1e201db126e6c7697e02fce546620266e03646d53be0a2c9719d3070f11e49','mgr','2026-12-07T12:34:35.493276+00:00','2026-12-08T00:34:35.493276+00:00');
INSERT INTO "sessions" VALUES('9bd2e862b6a4791413f0479b6c3f5c51b86aa873d673c21fad40db04c23af38e','wang','2026-12-07T12:34:35.650707+00:00','2026-12-08T00:34:35.650707+00:00');
INSERT INTO "sessions" VALUES('ee09b422e81a707b97def9ec4f02f1bb460a7df1360f1dac9788f5c4538933b1','zhao','2026-12-07T12:34:35.808768+00:00','2026-12-08T00:34:35.808768+00:00');
INSERT INTO "sessions" VALUES('6ba15bfac31fbeda29f63261400bd2ec0af43cb1e3a542540c739be9e2943f41','mgr','2026-12-07T12:34:36.090921+00:00','2026-12-08T00:34:36.090921+00:00');
CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            state TEXT NOT NULL,
            taken_at TEXT NOT NULL
        );
INSERT INTO "snapshots" VALUES(49,'{"day":"2026-12-07","issued_today":{"social-insurance":3,"household":4,"business":1},"issued_in_session":{"social-insurance/0":3,"household/0":4,"business/0":1},"mean_minutes":{"social-insurance":6.0,"household":8.0,"business":10.0,"pickup":2.0},"next_major":11,"next_minor":1,"last_event_at":"2026-12-07T12:34:33.012255+00:00","ticket_columns":["id","number","service","origin_service","priority","issued_at","day","session","state","key","window","called_at","started_at","finished_at","recalls","requeues","pinned","transferred","target_window","route_remaining","device","idempotency_key","id_hash","slot_start","slot_end","missed_reason","served","rated"],"ticket_rows":[["a2edd4d6fcbe44fab3f525705147d757","A001","social-insurance","social-insurance","normal","2026-12-07T12:34:32.904176+00:00","2026-12-07",0,"waiting",[1,0],null,null,null,null,0,0,false,false,null,[],"device:kiosk-1",null,null,null,null,null,[],[]],["7ef0faee0062408abfac486edbcc759d","A002","social-insurance","social-insurance","green","2026-12-07T12:34:32.906525+00:00","2026-12-07",0,"waiting",[8,0],"3","2026-12-07T12:34:32.936015+00:00",null,null,1,1,false,false,null,[],"device:kiosk-1",null,"2d6e6501d370b86789f007ea047f6d86e26a84131659d8d9f2c4de43a4ec02db",null,null,"未到",[],[]],["a56bd0f3ce8743919ddaf3b2389ca9a5","A003","social-insurance","social-insurance","normal","2026-12-07T12:34:32.908555+00:00","2026-12-07",0,"waiting",[3,0],null,null,null,null,0,0,false,false,null,[],"device:kiosk-1",null,null,null,null,null,[],[]],["0ae124ed3ba24c239e69f2f4806d24de","B001","household","household","normal","2026-12-07T12:34:32.912155+00:00","2026-12-07",0,"done",null,"1","2026-12-07T12:34:32.946791+00:00","2026-12-07T12:34:32.953065+00:00","2026-12-07T12:34:32.955360+00:00",1,0,false,false,null,[],"device:kiosk-1","k-b1",null,null,null,null,["household@1"],["household@1"]],["6bd386ee924b4fada20928c0c269c6dd","B002","household","household","normal","2026-12-07T12:34:32.916214+00:00","2026-12-07",0,"done",null,"2","2026-12-07T12:34:32.961207+00:00","2026-12-07T12:34:32.963205+00:00","2026-12-07T12:34:32.977296+00:00",0,0,false,false,null,[],"device:kiosk-1",null,"e063b649249c82c46a1044a68748e0d75aee212e9bcca683fe19e68cd9cfe7cb",null,null,null,["household@2"],[]],["092a5dc9b0bc480cbb410d8136f285a7","B003","household","household","normal","2026-12-07T12:34:32.917928+00:00","2026-12-07",0,"done",null,"2","2026-12-07T12:34:32.967395+00:00","2026-12-07T12:34:32.969548+00:00","2026-12-07T12:34:32.971614+00:00",0,0,false,false,null,[],"device:kiosk-1",null,null,null,null,null,["household@2"],[]],["ef64d2ae0bcb481f8a9d2dfa401dac15","C001","pickup","business","normal","2026-12-07T12:34:32.921677+00:00","2026-12-07",0,"waiting",[9,0],"1","2026-12-07T12:34:32.979761+00:00","2026-12-07T12:34:32.981894+00:00",null,0,0,false,true,null,[],"device:kiosk-1",null,null,null,null,null,["business@1"],["business@1"]],["763afd0aacb547c9bbb2cf418c9888e5","B004","household","household","appointment","2026-12-07T12:34:32.992496+00:00","2026-12-07",0,"waiting",[10,0],null,null,null,null,0,0,false,false,null,[],"device:kiosk-1","apt1",null,"2026-12-07T12:24:32+00:00","2026-12-07T13:24:32+00:00",null,[],[]]],"windows":[{"id":"1","state":"idle","clerk":"wang","clerk_name":null,"staff_no":null,"ticket_id":null,"pause_reason":null,"since":"2026-12-07T12:34:32.983669+00:00","missed":[],"held":[]},{"id":"2","state":"idle","clerk":"zhao","clerk_name":null,"staff_no":null,"ticket_id":null,"pause_reason":null,"since":"2026-12-07T12:34:32.990460+00:00","missed":[],"held":[]},{"id":"3","state":"idle","clerk":"li","clerk_name":null,"staff_no":null,"ticket_id":null,"pause_reason":null,"since":"2026-12-07T12:34:32.943769+00:00","missed":[],"held":[]},{"id":"4","state":"idle","clerk":null,"clerk_name":null,"staff_no":null,"ticket_id":null,"pause_reason":null,"since":"2026-12-07T12:34:32.932519+00:00","missed":[],"held":[]}],"appointments":[{"code":"APT-0001","service":"household","slot_start":"2026-12-07T12:24:32+00:00","slot_end":"2026-12-07T13:24:32+00:00","ticket_id":"763afd0aacb547c9bbb2cf418c9888e5"},{"code":"APT-0002","service":"social-insurance","slot_start":"2026-12-07T13:34:32+00:00","slot_end":"2026-12-07T14:34:32+00:00","ticket_id":null}],"devices":[{"device":"device:kiosk-1","component":"printer","condition":"paper_out","detail":"缺纸","since":"2026-12-07T12:34:32.894336+00:00"}],"ratings":{"open":{"2":{"ticket_id":"6bd386ee924b4fada20928c0c269c6dd","service":"household","opened_at":"2026-12-07T12:34:32.977296+00:00","key_until":"2026-12-07T12:34:42.977296+00:00","touch_until":"2026-12-07T12:35:32.977296+00:00"}},"rateable":[["0ae124ed3ba24c239e69f2f4806d24de","B001","household","1","wang",null,null,"2026-12-07T12:34:32.955360+00:00","30dfb07266d8438abca086e39d044695","BJ2026-001"],["092a5dc9b0bc480cbb410d8136f285a7","B003","household","2","zhao",null,null,"2026-12-07T12:34:32.971614+00:00",null,null],["6bd386ee924b4fada20928c0c269c6dd","B002","household","2","zhao",null,null,"2026-12-07T12:34:32.977296+00:00",null,null],["ef64d2ae0bcb481f8a9d2dfa401dac15","C001","business","1","wang",null,null,"2026-12-07T12:34:32.983669+00:00","dd6f7f0ea60e43018ee4c5ab86ce471d",null]],"records":[{"ticket_id":"ef64d2ae0bcb481f8a9d2dfa401dac15","ticket_number":"C001","service":"business","window":"1","clerk":"wang","staff_no":null,"clerk_name":null,"served_at":"2026-12-07T12:34:32.983669+00:00","rating_id":null,"case_no":null,"id":"dd6f7f0ea60e43018ee4c5ab86ce471d","service_name":"个体工商户登记","stage":"acceptance","level":1,"tags":["115"],"comment":"态度生硬","channel":4,"device":"device:pad-1","rated_at":"2026-12-07T12:34:32.986427+00:00","follow_up":false,"default":false,"struck":false,"strike_reason":null,"rater":null}],"cases":[{"id":"20261207-001","rating_id":"dd6f7f0ea60e43018ee4c5ab86ce471d","opened_at":"2026-12-07T12:34:32.986427+00:00","verify_by":"2026-12-08T23:59:59.999999+00:00","rectify_by":"2026-12-28T23:59:59.999999+00:00","state":"verified","callback_by":null,"before_appeal":null,"overdue":[],"history":[{"action":"verify","by":"user:mgr","note":"已核实","at":"2026-12-07T12:34:32.999180+00:00"}],"follow_up_rating":null,"strike_reason":null}],"alerts":[{"id":"unstaffed:1@20261207T123430","kind":"unstaffed","subject":"1","message":"1号窗口在办公时间无人在岗","raised_at":"2026-12-07T12:34:30.913189+00:00","acknowledged_at":null,"acknowledged_by":null,"cleared_at":null},{"id":"unstaffed:2@20261207T123430","kind":"unstaffed","subject":"2","message":"2号窗口在办公时间无人在岗","raised_at":"2026-12-07T12:34:30.913189+00:00","acknowledged_at":null,"acknowledged_by":null,"cleared_at":null},{"id":"bad_rating:20261207-001","kind":"bad_rating","subject":"20261207-001","message":"1号窗口(无人签到) C001 收到差评“非常不满意”: 服务态度差效率低; 已生成工单20261207-001","raised_at":"2026-12-07T12:34:32.986427+00:00","acknowledged_at":"2026-12-07T12:34:33.012255+00:00","acknowledged_by":"user:mgr","cleared_at":null}]},"clerk_today":{"li":{"served":0,"missed":1,"transferred":0,"held":0,"service_minutes":0.0,"timed_services":0,"wait_minutes":0.0004915,"calls":1,"ratings":0,"good":0,"bad":0},"wang":{"served":2,"missed":0,"transferred":0,"held":0,"service_minutes":6.783333333333333e-05,"timed_services":2,"wait_minutes":0.0015453333333333332,"calls":2,"ratings":2,"good":1,"bad":1},"zhao":{"served":2,"missed":0,"transferred":0,"held":1,"service_minutes":0.0002692833333333333,"timed_services":2,"wait_minutes":0.0015743333333333332,"calls":2,"ratings":0,"good":0,"bad":0}},"tuning":{"windows":{},"quotas":{"household":{"daily_quota":50,"session_quota":null}},"paused":{},"changes":[{"id":"4c72cb072638458fb00d17fae44b3554","kind":"window_open","target":"4","before":{"open":false},"after":{"open":true},"by":"user:mgr","at":"2026-12-07T12:34:32.932519+00:00","undoes":null,"undone_by":null},{"id":"e4800b6a35894080b12293a10c23da4e","kind":"quota","target":"household","before":{"daily_quota":null,"session_quota":null},"after":{"daily_quota":50,"session_quota":null},"by":"user:mgr","at":"2026-12-07T12:34:32.994453+00:00","undoes":null,"undone_by":null}]}}','2026-12-07T12:34:33.012255+00:00');
CREATE TABLE upstream_cursor (
            adapter TEXT PRIMARY KEY,
            delivered_seq INTEGER NOT NULL
        );
CREATE TABLE users (
            username TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            display_name TEXT,
            staff_no TEXT,
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        );
INSERT INTO "users" VALUES('mgr','manager','scrypt$15$8$1$ikgRYPEi7f2O6hss1zrv1A==$ze4qVDO4JTRj/BNr5XGJktvxQpzoqQ9rCqlPFHSZXuw=',NULL,NULL,'2026-12-07T12:34:23.377549+00:00',0);
INSERT INTO "users" VALUES('wang','clerk','scrypt$15$8$1$WztE+2o08tdkEnW/StOacA==$xKDCnSxIIrj66sLKOv1BedxhuVCoomyF2tl2YUtK2zE=',NULL,NULL,'2026-12-07T12:34:24.002645+00:00',0);
INSERT INTO "users" VALUES('li','clerk','scrypt$15$8$1$TWwshDYQUYyjRyx0oBy1fQ==$j/Zfi43P3Bs3NLMn8dVECgCeaNOihqtA3/lHfzsRi5Y=',NULL,NULL,'2026-12-07T12:34:24.784308+00:00',0);
INSERT INTO "users" VALUES('zhao','clerk','scrypt$15$8$1$y/VMy17hA6b9QtAStHURrw==$A42VgtZnKNQf50lmkIYL7Zs58R+c0gQmEQmDUzMW34U=',NULL,NULL,'2026-12-07T12:34:25.581734+00:00',0);
INSERT INTO "users" VALUES('root1','admin','scrypt$15$8$1$CQeTJpz8QZ3WSDvVp8MFFQ==$nxoBYcrTv1mCcHew/t44xbGiLcE/vvOZiz8FC/o5hGg=',NULL,NULL,'2026-12-07T12:34:26.501355+00:00',0);
CREATE INDEX devices_revoked_at ON devices (revoked_at) WHERE revoked_at IS NOT NULL
    ;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
COMMIT;
-- The schema version the old server left in the file: iterdump does not carry it.
PRAGMA user_version=3;
