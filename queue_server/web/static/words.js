// The words the pages use for the hall's states, and small formatting helpers.

export const WINDOW_STATES = {
  closed: "未开放",
  idle: "空闲",
  calling: "叫号中",
  serving: "办理中",
  paused: "暂停服务",
};

export const TICKET_STATES = {
  waiting: "等候中",
  called: "已叫号",
  serving: "办理中",
  held: "已挂起",
  done: "已办结",
  no_show: "已过号",
  abandoned: "已作废",
  cancelled: "已取消",
};

export const PRIORITIES = {
  green: "绿色通道",
  appointment: "预约",
};

export const WINDOW_KINDS = {
  general: "综合窗口",
  domain: "专业窗口",
};

export const ROLES = {
  clerk: "窗口人员",
  manager: "大厅管理员",
  admin: "系统管理员",
};

export const NO_SHOW_REASONS = ["未到场", "材料不全离开", "其他"];
export const PAUSE_REASONS = ["休息", "临时离岗", "业务培训", "其他"];

/** "1 号窗口" for a window id. */
export function windowName(id) {
  return `${id}号窗口`;
}

/** Minutes and seconds ("03:07"), with hours when needed ("1:03:07"). */
export function elapsed(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(2, "0");
  const ss = String(seconds).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Creates an element with a class and text, the pages' one way of building markup. */
export function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/**
 * The fixed words of the boards, window screens and phone page in a hall's second language, by BCP 47 tag.
 * "{n}" stands for a ticket number or a window number; `date` has {y}, {m} and {d}, and
 * `weekdays` runs from Sunday, as Date.getDay() counts. Names of halls, services, floors
 * and windows are not here: they come from the hall config (name_alt, label_alt).
 * Traditional Mongolian uses U+202F (narrow no-break space) before case suffixes and U+180E
 * before a final a/e, as Mongolian orthography requires; the shaping font needs them.
 */
export const SECOND_LANGUAGE_WORDS = {
  "mn-Mong": {
    now: "ᠳᠠᠭᠤᠳᠠᠵᠤ ᠪᠠᠢᠨ᠎ᠠ", // 正在叫号
    recent: "ᠰᠠᠶᠢᠬᠠᠨ ᠳᠠᠭᠤᠳᠠᠭᠰᠠᠨ", // 最近叫号
    windows: "ᠴᠣᠩᠬᠣ ᠶᠢᠨ ᠪᠠᠶᠢᠳᠠᠯ", // 窗口状态
    waiting: "ᠬᠦᠯᠢᠶᠡᠭᠴᠢ ᠶᠢᠨ ᠲᠣᠭ᠎ᠠ", // 等候人数
    service: "ᠠᠯᠪᠠ", // 业务
    count: "ᠬᠦᠯᠢᠶᠡᠭᠴᠢ", // 等候
    longest: "ᠬᠠᠮᠤᠭ ᠤᠷᠲᠤ", // 最长等候
    minutes: "{n} ᠮᠢᠨᠦ᠋ᠲ", // n 分钟
    closed: "ᠨᠡᠭᠡᠭᠡᠭᠦᠢ", // 未开放
    idle: "ᠰᠤᠯᠠ", // 空闲
    calling: "ᠳᠠᠭᠤᠳᠠᠵᠤ ᠪᠠᠢᠨ᠎ᠠ", // 叫号中
    serving: "ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠵᠦ ᠪᠠᠢᠨ᠎ᠠ", // 办理中
    paused: "ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠲᠦᠷ ᠵᠣᠭᠰᠣᠪᠠ", // 暂停服务
    welcome: "ᠰᠠᠶᠢᠨ ᠢᠷᠡᠯ᠎ᠡ", // 欢迎您
    please: "{n} ᠳ᠋ᠤᠭᠠᠷ ᠢᠷᠡᠭᠡᠷᠡᠢ", // 请{n}号
    servingTicket: "{n} ᠳ᠋ᠤᠭᠠᠷ ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠵᠦ ᠪᠠᠢᠨ᠎ᠠ", // {n}号办理中
    window: "{n} ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ", // {n}号窗口
    staffNo: "ᠳ᠋ᠤᠭᠠᠷ {n}", // 工号 {n}
    offline: "ᠰᠦᠯᠵᠢᠶ᠎ᠡ ᠲᠠᠰᠤᠷᠠᠪᠠ", // 离线
    notice: "ᠳᠠᠭᠤᠳᠠᠭᠰᠠᠨ ᠳ᠋ᠤᠭᠠᠷ ᠢᠶᠠᠨ ᠠᠩᠬᠠᠷᠤᠭᠠᠷᠠᠢ᠃", // 请留意叫号信息
    date: "{y} ᠣᠨ ᠤ {m} ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ {d}", // {y}年{m}月{d}日
    // 星期日 … 星期六, in the order of Date.getDay()
    weekdays: ["ᠭᠠᠷᠠᠭ ᠤᠨ ᠡᠳᠦᠷ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠨᠢᠭᠡᠨ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠬᠣᠶᠠᠷ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠭᠤᠷᠪᠠᠨ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠳᠥᠷᠪᠡᠨ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠲᠠᠪᠤᠨ", "ᠭᠠᠷᠠᠭ ᠤᠨ ᠵᠢᠷᠭᠤᠭᠠᠨ"],
    // The phone page (/t/…). Translated without a native speaker: to be checked by one.
    queueStatus: "ᠳᠠᠷᠠᠭᠠᠯᠠᠯ ᠤᠨ ᠪᠠᠶᠢᠳᠠᠯ", // 排队进度
    notFound: "ᠡᠨᠡ ᠳ᠋ᠤᠭᠠᠷ ᠢ ᠣᠯᠤᠭᠰᠠᠨ ᠦᠭᠡᠢ", // 没有找到这张号
    ticketWaiting: "ᠬᠦᠯᠢᠶᠡᠵᠦ ᠪᠠᠢᠨ᠎ᠠ", // 等候中
    ticketHeld: "ᠲᠦᠷ ᠵᠣᠭᠰᠣᠭᠠᠪᠠ", // 已挂起
    ticketDone: "ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠵᠦ ᠳᠠᠭᠤᠰᠪᠠ", // 已办结
    ticketNoShow: "ᠳ᠋ᠤᠭᠠᠷ ᠥᠩᠭᠡᠷᠡᠪᠡ", // 已过号
    ticketAbandoned: "ᠬᠦᠴᠦᠨ ᠦᠭᠡᠢ ᠪᠣᠯᠪᠠ", // 已作废
    ticketCancelled: "ᠦᠭᠡᠢᠰᠬᠡᠪᠡ", // 已取消
    goTo: "{n} ᠳ᠋ᠤᠭᠠᠷ ᠴᠣᠩᠬᠣ ᠳ᠋ᠤ ᠢᠷᠡᠭᠡᠷᠡᠢ", // 请到{n}号窗口办理
    ahead: "ᠡᠮᠦᠨ᠎ᠡ ᠪᠠᠶᠢᠭ᠎ᠠ ᠬᠦᠮᠦᠰ", // 前面还有
    eta: "ᠬᠦᠯᠢᠶᠡᠬᠦ ᠬᠤᠭᠤᠴᠠᠭ᠎ᠠ", // 预计等候
    soon: "ᠳᠠᠷᠤᠢ ᠳᠠᠭᠤᠳᠠᠨ᠎ᠠ", // 即将叫号
  },
  "ug-Arab": {
    now: "نۆۋەتتىكى چاقىرىق", // 正在叫号
    recent: "يېقىنقى چاقىرىقلار", // 最近叫号
    windows: "كۆزنەك ھالىتى", // 窗口状态
    waiting: "ساقلاۋاتقانلار سانى", // 等候人数
    service: "مۇلازىمەت", // 业务
    count: "ساقلاۋاتقان", // 等候
    longest: "ئەڭ ئۇزۇن ساقلاش", // 最长等候
    minutes: "{n} مىنۇت", // n 分钟
    closed: "ئېچىلمىغان", // 未开放
    idle: "بىكار", // 空闲
    calling: "چاقىرىۋاتىدۇ", // 叫号中
    serving: "بېجىرىۋاتىدۇ", // 办理中
    paused: "مۇلازىمەت ۋاقىتلىق توختىدى", // 暂停服务
    welcome: "خۇش كەلدىڭىز", // 欢迎您
    please: "{n}-نومۇر كېلىڭ", // 请{n}号
    servingTicket: "{n}-نومۇر بېجىرىۋاتىدۇ", // {n}号办理中
    window: "{n}-كۆزنەك", // {n}号窗口
    staffNo: "خىزمەت نومۇرى {n}", // 工号 {n}
    offline: "تورسىز", // 离线
    notice: "چاقىرىق ئۇچۇرىغا دىققەت قىلىڭ.", // 请留意叫号信息
    date: "{y}-يىلى {m}-ئاينىڭ {d}-كۈنى", // {y}年{m}月{d}日
    // 星期日 … 星期六, in the order of Date.getDay()
    weekdays: ["يەكشەنبە", "دۈشەنبە", "سەيشەنبە", "چارشەنبە", "پەيشەنبە", "جۈمە", "شەنبە"],
    // The phone page (/t/…). Translated without a native speaker: to be checked by one.
    queueStatus: "نۆۋەت ئەھۋالى", // 排队进度
    notFound: "بۇ نومۇر تېپىلمىدى", // 没有找到这张号
    ticketWaiting: "ساقلاۋاتىدۇ", // 等候中
    ticketHeld: "ۋاقىتلىق توختىتىلدى", // 已挂起
    ticketDone: "بېجىرىلىپ بولدى", // 已办结
    ticketNoShow: "نۆۋىتىدىن ئۆتۈپ كەتتى", // 已过号
    ticketAbandoned: "ئىناۋەتسىز قىلىندى", // 已作废
    ticketCancelled: "ئەمەلدىن قالدۇرۇلدى", // 已取消
    goTo: "{n}-كۆزنەككە بېرىپ بېجىرىڭ", // 请到{n}号窗口办理
    ahead: "ئالدىڭىزدىكى كىشىلەر", // 前面还有
    eta: "تەخمىنىي ساقلاش ۋاقتى", // 预计等候
    soon: "پات يېقىندا چاقىرىلىدۇ", // 即将叫号
  },
};
