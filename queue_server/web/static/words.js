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
  return `${id} 号窗口`;
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
