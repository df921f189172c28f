"""Deciding 好差评: opening ratings, recording them, 差评 cases, alerts and 替岗."""

from __future__ import annotations

import datetime as dt

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.applying_ratings import rating_record
from queue_server.domain.cases import ACTION_NAMES, Case
from queue_server.domain.deciding_base import DeciderBase, Outcome
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.model import WindowState, WindowStatus
from queue_server.domain.rating_book import Rateable
from queue_server.domain.ratings import (
    LEVEL_NAMES,
    TAGS,
    Channel,
    Level,
    RatingRecord,
    ServedService,
    check_rating,
    is_bad,
)
from queue_server.domain.watch import WATCHED, conditions

PAD_CHANNELS = frozenset({Channel.HALL_TABLET, Channel.HALL_TERMINAL})
STAGE_NAMES = {"verify": "核实", "rectify": "整改", "callback": "回访"}


class RatingDecider(DeciderBase):
    """The rating half of the decider; ticket and window commands are in `Decider`."""

    def _open_rating(
        self,
        outcome: Outcome,
        window: str,
        ticket_id: str,
        service: str,
        now: dt.datetime,
        *,
        asked: bool,
    ) -> None:
        settings = self.config.ratings
        self._emit(
            outcome,
            e.RatingOpened(
                at=now,
                ticket_id=ticket_id,
                window=window,
                service=service,
                key_until=now + dt.timedelta(seconds=settings.key_pad_seconds),
                touch_until=now + dt.timedelta(seconds=settings.touch_pad_seconds),
                asked=asked,
            ),
        )

    def _ask_rating(self, cmd: c.AskRating, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        # Only the service just finished: an older one's citizen has gone, and whoever sits at
        # the window now would be rating a service that was not theirs.
        latest = self.book.last_served(window.id)
        if latest is None or latest.rating_id is not None:
            raise Conflict("nothing_to_rate", f"{window.id}号窗口没有待评价的服务")
        outcome = Outcome(ticket_id=latest.served.ticket_id)
        self._open_rating(
            outcome, window.id, latest.served.ticket_id, latest.served.service, now, asked=True
        )
        return outcome

    def _hand_over(self, cmd: c.HandOver, now: dt.datetime) -> Outcome:
        window = self._window(cmd.window)
        if window.state is WindowState.CLOSED:
            raise Conflict("window_not_open", f"{window.id}号窗口未开放, 请直接签到")
        if window.clerk == cmd.clerk:
            raise Conflict("already_yours", f"您已在{window.id}号窗口签到")
        elsewhere = next((w.id for w in self.windows.values() if w.clerk == cmd.clerk), None)
        if elsewhere is not None:
            raise Conflict("clerk_elsewhere", f"您已在{elsewhere}号窗口签到, 请先签退")
        outcome = Outcome(ticket_id=window.ticket_id)
        self._emit(
            outcome,
            e.WindowHandedOver(
                at=now,
                window=window.id,
                clerk=cmd.clerk,
                clerk_name=cmd.clerk_name,
                staff_no=cmd.staff_no,
                reason=cmd.reason,
                from_clerk=window.clerk,
                from_clerk_name=window.clerk_name,
                from_staff_no=window.staff_no,
            ),
        )
        return outcome

    def _rate(self, cmd: c.RecordRating, now: dt.datetime) -> Outcome:
        check_rating(
            cmd.level, cmd.tags, bad_requires_tag=self.config.policy.bad_rating_requires_tag
        )
        earlier = self._earlier_rating(cmd)
        if earlier is not None:
            # Its first attempt was recorded and the answer lost: answered again, even once
            # the rating has closed, and never recorded twice.
            return Outcome(ticket_id=earlier.served.ticket_id, rating=earlier)
        window = self._window(cmd.window)
        if cmd.follow_up:
            served = self._followed_up_service(cmd.ticket_id, window)
        else:
            rateable = self._rated_service(cmd.ticket_id, window, cmd.service)
            if rateable.rating_id is not None:
                raise Conflict(
                    "already_rated", f"{rateable.served.ticket_number}的这次服务已经评价过了"
                )
            self._check_open(cmd, rateable, now)
            served = rateable.served
        outcome = Outcome(ticket_id=cmd.ticket_id)
        outcome.rating = rating_record(self, self._record(outcome, served, cmd, now))
        return outcome

    def _earlier_rating(self, cmd: c.RecordRating) -> RatingRecord | None:
        """The rating its sender recorded before with the command's idempotency key, if any;
        the same key for another rating is refused: a sender's bug, never a retry.

        The rater is not compared: it is sealed afresh (a new nonce) for every attempt.
        """
        earlier = self.book.keyed.find(cmd.device, cmd.channel, cmd.ticket_id, cmd.idempotency_key)
        if earlier is None:
            return None
        sent = (cmd.ticket_id, cmd.level, cmd.tags, cmd.comment, cmd.channel, cmd.follow_up)
        if sent != (
            earlier.served.ticket_id,
            earlier.level,
            earlier.tags,
            earlier.comment,
            earlier.channel,
            earlier.follow_up,
        ):
            raise Conflict(
                "idempotency_key_reused",
                f"这个 idempotency_key 已用于另一次评价 ({earlier.served.ticket_number}), "
                "新的评价请换一个",
            )
        return earlier

    def _rated_service(self, ticket_id: str, window: WindowStatus, service: str | None) -> Rateable:
        """The ticket's latest service at `window` (that `service`, when named) that may still
        be rated."""
        served = self.book.of_ticket(ticket_id)
        found = [
            r
            for r in served
            if r.served.window == window.id and service in (None, r.served.service)
        ]
        if not found:
            ticket = self.tickets.get(ticket_id)
            if ticket is None and not served:
                raise NotFound("unknown_ticket", "没有这个号")
            number = ticket.number if ticket else ""
            raise Conflict("not_served", f"{number}尚未在{window.id}号窗口办结")
        return found[-1]  # the latest: they are kept in the order served

    def _check_open(self, cmd: c.RecordRating, rateable: Rateable, now: dt.datetime) -> None:
        served = rateable.served
        if cmd.channel in PAD_CHANNELS:
            opened = self.book.open.get(served.window)
            if (
                opened is None
                or (opened.ticket_id, opened.service) != (served.ticket_id, served.service)
                or not opened.open_for(cmd.channel is Channel.HALL_TERMINAL, now)
            ):
                raise Conflict("rating_closed", "现在不能评价: 评价已结束或尚未开始")
        elif cmd.channel is Channel.SYSTEM_DEFAULT:
            raise Conflict("rating_closed", "默认评价只由系统给出")
        else:
            last_day = served.served_at.astimezone(self.tz).date() + dt.timedelta(
                days=self.config.ratings.phone_days
            )
            if now.astimezone(self.tz).date() > last_day:
                raise Conflict("rating_closed", "已过评价期限")

    def _followed_up_service(self, ticket_id: str, window: WindowStatus) -> ServedService:
        """The service whose 差评 the 追评 follows, from the case: it is no longer among the
        rateable services when 整改 took longer than the phone's days."""
        case = self.book.follow_up_case(ticket_id, window=window.id)
        if case is None:
            raise Conflict("follow_up_not_allowed", "只有差评整改后才能追评一次")
        return self.book.records[case.rating_id].served

    def _record(
        self, outcome: Outcome, served: ServedService, cmd: c.RecordRating, now: dt.datetime
    ) -> e.RatingRecorded:
        rating = e.RatingRecorded(
            at=now,
            ticket_id=served.ticket_id,
            window=served.window,
            service=served.service,
            clerk=served.clerk,
            level=int(cmd.level),
            tags=cmd.tags,
            comment=cmd.comment,
            channel=int(cmd.channel),
            device=cmd.device,
            served_at=served.served_at,
            rating_id=cmd.rating_id or f"{served.ticket_id}/{served.occurrence}",
            ticket_number=served.ticket_number,
            staff_no=served.staff_no,
            clerk_name=served.clerk_name,
            follow_up=cmd.follow_up,
            default=cmd.channel is Channel.SYSTEM_DEFAULT,
            rater=cmd.rater,
            case_no=served.case_no,
            idempotency_key=cmd.idempotency_key,
        )
        self._emit(outcome, rating)
        if is_bad(cmd.level) and not cmd.follow_up:
            self._open_case(outcome, rating, now)
        return rating

    def _open_case(self, outcome: Outcome, rating: e.RatingRecorded, now: dt.datetime) -> None:
        local = now.astimezone(self.tz)
        prefix = f"{local:%Y%m%d}-"
        number = 1 + sum(1 for case_id in self.book.cases if case_id.startswith(prefix))
        case_id = f"{prefix}{number:03d}"
        settings = self.config.ratings
        calendar = settings.calendar
        self._emit(
            outcome,
            e.CaseOpened(
                at=now,
                case_id=case_id,
                rating_id=rating.rating_id,
                verify_by=calendar.add_working_days(local, settings.verify_days),
                rectify_by=calendar.add_working_days(local, settings.rectify_days),
            ),
        )
        level = Level(rating.level)
        reasons = "、".join(TAGS[level].get(tag, tag) for tag in rating.tags) or "未选原因"
        # Its public name or 工号, else the login of an account made without them.
        who = rating.clerk_name or rating.staff_no or rating.clerk or "无人签到"
        self._raise_alert(
            outcome,
            now,
            kind="bad_rating",
            subject=case_id,
            message=(
                f"{rating.window}号窗口({who}) {rating.ticket_number} "
                f"收到差评“{LEVEL_NAMES[level]}”: {reasons}; 已生成工单{case_id}"
            ),
        )

    def _raise_alert(
        self,
        outcome: Outcome,
        now: dt.datetime,
        *,
        kind: str,
        subject: str,
        message: str,
        stage: str | None = None,
    ) -> None:
        alert_id = f"{kind}:{subject}" + (f":{stage}" if stage else "")
        if alert_id in self.book.alerts:
            return
        self._emit(
            outcome,
            e.AlertRaised(at=now, alert_id=alert_id, kind=kind, subject=subject, message=message),
        )

    def _advance_case(self, cmd: c.AdvanceCase, now: dt.datetime) -> Outcome:
        case = self._case(cmd.case_id)
        new_state = case.next_state(cmd.action)
        callback_by = None
        if cmd.action == "rectify":
            settings = self.config.ratings
            callback_by = settings.calendar.add_working_days(
                now.astimezone(self.tz), settings.callback_days
            )
        outcome = Outcome()
        self._emit(
            outcome,
            e.CaseAdvanced(
                at=now,
                case_id=case.id,
                action=cmd.action,
                state=str(new_state),
                by=cmd.by,
                note=cmd.note,
                callback_by=callback_by,
            ),
        )
        return outcome

    def _case(self, case_id: str) -> Case:
        case = self.book.cases.get(case_id)
        if case is None:
            raise NotFound("unknown_case", f"没有工单{case_id}")
        return case

    def _acknowledge(self, cmd: c.AcknowledgeAlert, now: dt.datetime) -> Outcome:
        alert = self.book.alerts.get(cmd.alert_id)
        if alert is None:
            raise NotFound("unknown_alert", "没有这条提醒")
        outcome = Outcome()
        if alert.acknowledged_at is None:
            self._emit(outcome, e.AlertAcknowledged(at=now, alert_id=alert.id, by=cmd.by))
        return outcome

    def _supervise(self, cmd: c.Supervise, now: dt.datetime) -> Outcome:
        outcome = Outcome()
        self._give_default_ratings(outcome, now)
        self._watch(outcome, now)
        for case in list(self.book.cases.values()):
            for stage in case.due_stages(now):
                self._emit(outcome, e.CaseOverdue(at=now, case_id=case.id, stage=stage))
                self._raise_alert(
                    outcome,
                    now,
                    kind="case_overdue",
                    subject=case.id,
                    stage=stage,
                    message=f"差评工单{case.id}的{STAGE_NAMES[stage]}已超期",
                )
        return outcome

    def _watch(self, outcome: Outcome, now: dt.datetime) -> None:
        """Raise an alert for each condition that began, clear those that ended."""
        found = {cond.key: cond for cond in conditions(self, now)}
        live = {
            a.key: a
            for a in self.book.alerts.values()
            if a.kind in WATCHED and a.cleared_at is None
        }
        for key, alert in live.items():
            if key not in found:
                self._emit(outcome, e.AlertCleared(at=now, alert_id=alert.id))
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
        for key, cond in found.items():
            if key not in live:
                self._emit(
                    outcome,
                    e.AlertRaised(
                        at=now,
                        alert_id=f"{key}@{stamp}",
                        kind=cond.kind,
                        subject=cond.subject,
                        message=cond.message,
                    ),
                )

    def _give_default_ratings(self, outcome: Outcome, now: dt.datetime) -> None:
        settings = self.config.ratings
        if settings.default_after_days <= 0:
            return
        # "After N days" as the phone's N days count: the service's day does not count, and
        # the citizen may rate all of the Nth day, so the default comes on the day after it.
        served_by = now.astimezone(self.tz).date() - dt.timedelta(
            days=settings.default_after_days + 1
        )
        due = [
            r
            for r in self.book.rateable.values()
            if r.rating_id is None and r.served.served_at.astimezone(self.tz).date() <= served_by
        ]
        for rateable in sorted(due, key=lambda r: r.served.served_at):
            served = rateable.served
            command = c.RecordRating(
                ticket_id=served.ticket_id,
                window=served.window,
                level=Level(settings.default_level),
                rating_id=f"default:{served.ticket_id}/{served.occurrence}",
                channel=Channel.SYSTEM_DEFAULT,
            )
            self._record(outcome, served, command, now)


CASE_ACTIONS = tuple(ACTION_NAMES)
