"""中文 / English for the pages: message catalogue, language choice, China formats.

Every page string is a key here with both languages, so a missing translation is
a KeyError in tests rather than a half-translated page. Money is shown as
``¥1,234,567`` and dates and times in Asia/Shanghai whatever the language.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from app.timeutil import base_zone

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_COOKIE = "backlot_lang"

# key: (English, 中文)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.tagline": ("Set booking & shooting schedules", "影视基地场景预订与拍摄排期"),
    "nav.board": ("Occupancy", "场景占用"),
    "nav.find": ("Find a set", "找场景"),
    "nav.bookings": ("My bookings", "我的预订"),
    "nav.schedule": ("Schedule", "拍摄计划"),
    "nav.plans": ("Plans", "优化方案"),
    "nav.summary": ("All bases", "基地总览"),
    "nav.feeds": ("Calendar feeds", "日历订阅"),
    "nav.extras": ("Extras board", "群演调度"),
    "nav.extras_crew": ("Extras", "群演"),
    "nav.performers": ("Extras register", "群演名册"),
    "nav.signout": ("Sign out", "退出"),
    "nav.skip": ("Skip to content", "跳到正文"),
    "nav.menu": ("Main menu", "主菜单"),
    "lang.switch": ("Language", "语言"),
    "role.admin": ("Administrator", "管理员"),
    "role.base_manager": ("Base manager", "基地经理"),
    "role.coordinator": ("Coordinator", "剧组统筹"),
    "role.extras_office": ("Extras office", "群演管理处"),
    # sign in
    "signin.title": ("Sign in", "登录"),
    "signin.lead": (
        "Sign in with the API key you were given. The key is exchanged for a session "
        "cookie and is not stored in your browser.",
        "请使用分配给您的 API 密钥登录。密钥仅用于换取会话 Cookie，不会保存在浏览器中。",
    ),
    "signin.key": ("API key", "API 密钥"),
    "signin.submit": ("Sign in", "登录"),
    "signin.bad": (
        "This API key is not valid or has been revoked.",
        "该 API 密钥无效或已被吊销。",
    ),
    "signin.out": ("You are signed out.", "您已退出登录。"),
    "signin.expired": (
        "Please sign in to continue.",
        "请先登录后继续。",
    ),
    "signin.resume": (
        "Your session has ended. Sign in again: what you typed is kept, and you will be "
        "taken back to the form.",
        "您的会话已结束。请重新登录：您填写的内容已保留，登录后将返回原表单。",
    ),
    "form.kept": (
        "You are signed in again. Nothing was sent yet: what you typed is kept below; "
        "check it and send the form again.",
        "您已重新登录。表单尚未提交：您填写的内容已保留在下方，请核对后再次提交。",
    ),
    "form.expired": (
        "This form had expired, so nothing was done. What you typed is kept below; "
        "check it and send the form again.",
        "此表单已过期，操作未执行。您填写的内容已保留在下方，请核对后再次提交。",
    ),
    "csrf.bad": (
        "This form has expired or did not come from this site. Reload the page and try again.",
        "表单已过期或并非来自本站。请刷新页面后重试。",
    ),
    # board
    "board.title": ("Occupancy board", "场景占用看板"),
    "board.base": ("Base", "基地"),
    "board.month": ("Month", "月份"),
    "board.prev": ("Previous month", "上个月"),
    "board.next": ("Next month", "下个月"),
    "board.today": ("This month", "本月"),
    "board.show": ("Show", "显示"),
    "board.set": ("Set", "场景"),
    "board.util": ("Utilisation", "利用率"),
    "board.legend": ("Legend", "图例"),
    "board.crews_on_site": ("Crews on site per day", "每日在场剧组数"),
    "board.figures": ("This month", "本月概况"),
    "board.revenue": ("Confirmed revenue", "已确认收入"),
    "board.pipeline": ("Holds pipeline", "意向预订"),
    "board.pipeline_value": ("if the 1st holds confirm", "若第1意向全部确认"),
    "board.available": ("Available set-days", "可用场景天数"),
    "board.confirmed_days": ("Confirmed set-days", "已确认场景天数"),
    "board.details": ("Details", "详情"),
    "board.pick": (
        "Select a day on the grid to see who has it.",
        "点击表格中的某一天查看占用详情。",
    ),
    "board.free_busy": (
        "Other crews' days are shown as busy; only your crew's bookings are named.",
        "其他剧组的日期仅显示为“占用”；只显示本剧组预订的详情。",
    ),
    "board.csv": ("Download CSV", "下载 CSV"),
    "board.no_sets": ("This base has no sets yet.", "该基地还没有场景。"),
    "board.plan_run": ("Proposals from plan run #{run}", "方案 #{run} 的建议排期"),
    "board.close": ("Close", "关闭"),
    "state.free": ("Free", "空闲"),
    "state.blackout": ("Blackout", "停用"),
    "state.confirmed": ("Confirmed", "已确认"),
    "state.hold1": ("1st hold", "第1意向"),
    "state.holdn": ("Later holds", "后续意向"),
    "state.hold": ("Hold", "意向"),
    "state.proposed": ("Proposed", "建议排期"),
    "state.busy": ("Busy", "占用"),
    # booking fields
    "b.booking": ("Booking", "预订"),
    "b.crew": ("Crew", "剧组"),
    "b.set": ("Set", "场景"),
    "b.base": ("Base", "基地"),
    "b.dates": ("Dates", "日期"),
    "b.days": ("Days", "天数"),
    # Counted things: "unit.X" for one, "unit.X.other" for any other number (English
    # plurals; Chinese counts with a measure word whatever the number).
    "unit.day": ("day", "天"),
    "unit.day.other": ("days", "天"),
    "unit.active_hold": ("active hold", "个有效意向"),
    "unit.active_hold.other": ("active holds", "个有效意向"),
    "unit.hold": ("hold", "个意向"),
    "unit.hold.other": ("holds", "个意向"),
    "unit.earlier_hold": ("earlier hold", "个在先意向"),
    "unit.earlier_hold.other": ("earlier holds", "个在先意向"),
    "unit.unused_hold": ("unused hold", "个未用意向"),
    "unit.unused_hold.other": ("unused holds", "个未用意向"),
    "unit.set": ("set", "个场景"),
    "unit.set.other": ("sets", "个场景"),
    "unit.scene": ("scene", "场"),
    "unit.scene.other": ("scenes", "场"),
    "unit.crew": ("crew", "个剧组"),
    "unit.crew.other": ("crews", "个剧组"),
    "unit.page": ("page", "页"),
    "unit.page.other": ("pages", "页"),
    "unit.second": ("second", "秒"),
    "unit.second.other": ("seconds", "秒"),
    "unit.base": ("base", "个基地"),
    "unit.base.other": ("bases", "个基地"),
    "unit.cast_member": ("cast member", "位"),
    "unit.cast_member.other": ("cast members", "位"),
    "unit.minute": ("min", "分钟"),
    "unit.minute.other": ("min", "分钟"),
    "board.peak": ("peak this month", "本月峰值"),
    "find.per_day": ("{days} × {rate}", "{days} × {rate}"),
    "find.free_of_charge": ("free of charge", "免费"),
    "b.status": ("Status", "状态"),
    "b.rank": ("Rank", "排位"),
    "b.expires": ("Lapses", "到期"),
    "b.challenge": ("Challenge deadline", "挑战截止"),
    "b.challenge_pending": (
        "Challenge pending: the holds ahead confirm or lapse by",
        "挑战进行中：前序意向须在此前确认，否则失效",
    ),
    "b.price": ("Price", "价格"),
    "b.quote": ("Quote", "报价"),
    "b.note": ("Note", "备注"),
    "b.actions": ("Actions", "操作"),
    "b.behind": ("behind a confirmed booking", "已被确认预订占用"),
    "b.scene": ("Scene", "场次"),
    "b.reason": ("Reason", "原因"),
    "b.nth": ("{n} hold", "第{n}意向"),
    "status.hold": ("Hold", "意向"),
    "status.confirmed": ("Confirmed", "已确认"),
    "status.released": ("Released", "已释放"),
    "status.expired": ("Lapsed", "已过期"),
    "status.cancelled": ("Cancelled", "已取消"),
    # find
    "find.title": ("Find a free set", "查找空闲场景"),
    "find.start": ("First day", "开始日期"),
    "find.end": ("Last day", "结束日期"),
    "find.tags": ("Tags", "标签"),
    "find.tags_hint": ("All of: e.g. republic-era street", "需全部满足，如 republic-era street"),
    "find.kind": ("Kind", "类型"),
    "find.any": ("Any", "不限"),
    # A backlot set is built for good on the base, interiors as well as streets: 实景, not
    # 外景街区 (an exterior street block).
    "find.kind.backlot": ("Backlot set", "实景"),
    "find.kind.stage": ("Sound stage", "摄影棚"),
    "find.search": ("Search", "搜索"),
    "find.more_tags": ("Or type tags", "或输入标签"),
    "find.err.reversed": (
        "The last day ({last}) is before the first day ({first}): pick a last day on or after "
        "the first.",
        "结束日期（{last}）早于开始日期（{first}）：请选择不早于开始日期的结束日期。",
    ),
    "find.err.past": (
        "The first day ({first}) has already gone by: past days are never free. Today is {today}.",
        "开始日期（{first}）已经过去：过去的日期不可预订。今天是{today}。",
    ),
    "find.err.too_long": ("Search at most {days} at a time.", "每次最多搜索 {days}。"),
    "find.err.tag": ("No set carries the tag “{tag}”.", "没有场景带有“{tag}”标签。"),
    "find.err.closest": ("Did you mean:", "您是不是要找："),
    "find.err.no_closest": (
        "Pick tags from the list above.",
        "请从上面的列表中选择标签。",
    ),
    "find.results": ("{sets} free for {days}", "{sets}在这 {days}空闲"),
    "find.none": (
        "No set is free on all of these days. Try other dates or fewer tags.",
        "没有场景在这些日期全部空闲。请换个日期或减少标签。",
    ),
    "find.rate": ("Day rate", "日租金"),
    "find.total": ("For the range", "总价"),
    "find.holds": ("Holds already placed", "已有意向"),
    "find.no_holds": ("none", "无"),
    "find.yours": ("yours", "本剧组"),
    "find.other": ("another production", "其他剧组"),
    "find.hold": ("Place hold", "下意向"),
    "find.for_crew": ("for crew", "剧组"),
    "find.free_tag": ("free", "免费"),
    "find.page": ("Page {page} of {pages}", "第 {page} / {pages} 页"),
    "pager.label": ("Pages", "分页"),
    "pager.page": ("Page {page} of {pages}", "第 {page} / {pages} 页"),
    "pager.prev": ("Previous page", "上一页"),
    "pager.next": ("Next page", "下一页"),
    "find.no_crew": (
        "Only a crew's coordinator places holds; you can look, not book.",
        "只有剧组统筹可以下意向预订；您可以查看，但不能预订。",
    ),
    # bookings
    "bookings.title": ("Bookings and holds", "预订与意向"),
    "bookings.upcoming": ("Current and upcoming", "当前与即将开始"),
    "bookings.past": ("Finished, released, lapsed", "已结束、已释放、已过期"),
    "bookings.show_past": ("Show past bookings", "显示历史预订"),
    "bookings.none": ("Nothing here yet.", "暂无记录。"),
    "bookings.csv": ("Download CSV", "下载 CSV"),
    "bookings.confirm": ("Confirm", "确认"),
    "bookings.release": ("Release", "释放"),
    "bookings.challenge": ("Challenge", "发起挑战"),
    "bookings.cancel": ("Cancel booking", "取消预订"),
    "bookings.readonly": ("view only", "仅查看"),
    "bookings.cancel_q": ("Cancel this confirmed booking?", "确定取消这个已确认的预订吗？"),
    "bookings.release_q": ("Release this hold?", "确定释放这个意向吗？"),
    "booking.title": ("Booking #{id}", "预订 #{id}"),
    "booking.open": ("Booking #{id}: details and history", "预订 #{id}：详情与记录"),
    "booking.history": ("History", "记录"),
    "booking.on_board": ("See it on the board", "在看板上查看"),
    "booking.back": ("All bookings", "全部预订"),
    "history.placed": ("Placed as a hold", "下意向"),
    "history.booked": ("Booked and confirmed at once", "直接预订并确认"),
    "history.confirmed": ("Confirmed", "确认"),
    "history.released": ("Released", "释放"),
    "history.cancelled": ("Cancelled", "取消"),
    "history.lapsed": ("Lapsed: its hold time ran out", "已过期：意向保留时间已到"),
    "history.lapsed_challenge": (
        "Lapsed: it was challenged and not confirmed in time",
        "已过期：被挑战后未按时确认",
    ),
    "history.challenged_by": (
        "Challenged by a later hold: confirm by the deadline or it lapses",
        "被后序意向挑战：须在截止时间前确认，否则失效",
    ),
    "history.challenged": ("Challenged the holds ahead", "向在先意向发起挑战"),
    "history.changed": ("Changed", "变更"),
    "history.system": ("Backlot (automatic)", "系统自动"),
    "done.place": ("Hold #{id} placed: {rank} on {set}.", "已下意向 #{id}：{set} {rank}。"),
    "done.place_own": (
        "Your crew already has these days on {set}: booking #{id} ({rank}). No second hold.",
        "本剧组已占有 {set} 的这些日期：预订 #{id}（{rank}），不会重复下意向。",
    ),
    "done.confirm": ("Booking #{id} is confirmed.", "预订 #{id} 已确认。"),
    "done.release": ("Hold #{id} released.", "意向 #{id} 已释放。"),
    "done.cancel": (
        "Booking #{id} cancelled; its days are free again.",
        "预订 #{id} 已取消，相关日期已释放。",
    ),
    "done.challenge": (
        "Challenge sent: {holds} must confirm by {deadline} or lapse.",
        "已发起挑战：{holds}须在 {deadline} 前确认，否则失效。",
    ),
    "done.accept": (
        "Proposal accepted: {placed} placed, {released} released.",
        "已接受方案：已下 {placed}，释放 {released}。",
    ),
    "plans.unused": (
        "Your holds this plan does not use",
        "本方案未使用的已有意向",
    ),
    "plans.release_unused": (
        "Release them when accepting (frees your hold quota; needed where one falls on a day "
        "the plan shoots elsewhere)",
        "接受时一并释放（腾出意向额度；若与方案同日在别处拍摄则必须释放）",
    ),
    "fail.title": ("Not done", "操作未完成"),
    "fail.conflict": ("It could not be done:", "无法完成，原因如下："),
    "conflict.heading_own": (
        "Your crew already has these days (to accept a plan over holds it does not use, tick "
        "the box that releases them):",
        "本剧组已占有这些日期（接受方案时如需释放未用的意向，请勾选释放选项）：",
    ),
    "conflict.heading": (
        "These days are not free; everything in the way:",
        "这些日期不可用，全部冲突如下：",
    ),
    "conflict.own": (
        "your crew's own booking #{id} ({status}) for {days}: a crew never queues behind itself",
        "本剧组自己的预订 #{id}（{status}）{days}：剧组不会排在自己之后",
    ),
    "conflict.blackout": ("closed {days}", "{days} 停用"),
    "conflict.confirmed": ("confirmed by {who} for {days}", "{who} 已确认 {days}"),
    "conflict.hold": (
        "held by {who}, {rank} until {until}, for {days}",
        "{who} 的{rank}（{until} 前有效），{days}",
    ),
    "conflict.someone": ("another production", "其他剧组"),
    # schedule
    "schedule.title": ("Shooting schedule", "拍摄计划"),
    "schedule.stripboard": ("Stripboard", "场次条板"),
    "schedule.dood": ("Day Out of Days", "演员出勤表 (DOOD)"),
    "schedule.day": ("Day {n}", "第 {n} 天"),
    "schedule.unscheduled": ("Unscheduled", "未排期"),
    "schedule.shot": ("Already shot", "已拍摄"),
    "schedule.none": ("No scheduled days yet.", "暂无排期。"),
    "schedule.pool_empty": ("Every scene has a day.", "所有场次都已排期。"),
    "schedule.source.pinned": ("pinned", "已锁定"),
    "schedule.source.accepted": ("accepted", "已接受"),
    "schedule.source.proposed": ("proposed", "建议"),
    "schedule.cast": ("Cast", "演员"),
    "schedule.work": ("Work", "工作"),
    "schedule.hold": ("Hold", "待命"),
    "schedule.total": ("Total", "合计"),
    "schedule.codes": (
        "SW start work · W work · H hold · WF work finish · SWF start-work-finish",
        "SW 开工 · W 工作 · H 待命 · WF 收工 · SWF 当天开工并收工",
    ),
    "schedule.legend": ("Strip colours", "条板颜色"),
    "schedule.daysof": ("day {i} of {n}", "第 {i}/{n} 天"),
    "schedule.crew": ("Crew", "剧组"),
    "schedule.import": ("Import scenes", "导入场次"),
    # importing a breakdown or a screenplay
    "import.title": ("Import scenes", "导入场次"),
    "import.lead": (
        "From a breakdown sheet (Excel .xlsx or CSV) or a screenplay (Fountain .fountain, "
        "Final Draft .fdx): see first what will be created and updated, then apply it all at once.",
        "从分场表（Excel .xlsx 或 CSV）或剧本（Fountain .fountain、Final Draft .fdx）导入："
        "先预览将新建和更新的场次，再一次性全部应用。",
    ),
    "import.file": ("Breakdown or screenplay", "分场表或剧本"),
    "import.preview": ("Preview", "预览"),
    "import.limits": (
        "Up to {mb} MB and {rows} scenes. Scenes are matched by number, the episode included "
        "(3-12A): a re-import updates them and never duplicates; shot or booked scenes are "
        "never changed.",
        "文件不超过 {mb} MB、{rows} 场。按场次号（含集数，如 3-12A）匹配已有场次：重新导入只更新、"
        "不重复；已拍摄或已排期的场次不会被修改。",
    ),
    "import.template": ("Breakdown template", "分场表模板"),
    "import.template_zh": ("Chinese headers", "中文表头"),
    "import.template_en": ("English headers", "英文表头"),
    "import.file_info": ("{filename} · read {when}", "{filename} · 读取于 {when}"),
    "import.summary": (
        "{create} new · {update} to update · {unchanged} unchanged · {left_alone} left alone",
        "新建 {create} · 更新 {update} · 无变化 {unchanged} · 保持不变 {left_alone}",
    ),
    "import.action.create": ("New", "新建"),
    "import.action.update": ("Update", "更新"),
    "import.action.unchanged": ("Unchanged", "无变化"),
    "import.action.left_alone": ("Left alone", "保持不变"),
    "import.reason.shot": ("already shot", "已拍摄"),
    "import.reason.accepted": ("in an accepted plan", "已接受排期"),
    "import.reason.pinned": ("pinned to a day or set", "已锁定日期或场景"),
    "import.reason.scheduled": ("scheduled", "已排期"),
    "import.errors": (
        "Problems to fix in the file before it can be applied",
        "应用前需在文件中修正的问题",
    ),
    "import.warnings": ("Worth knowing", "提示"),
    "import.new_cast": (
        "New cast members, created when you apply (day cost ¥0: set it later)",
        "将新建的演员（应用时创建，日薪 ¥0，可稍后修改）",
    ),
    "import.apply": ("Apply this import", "应用导入"),
    "import.apply_note": (
        "All or nothing: if the crew's scenes changed since this preview, nothing is applied.",
        "全部应用或全部不应用：如预览后剧组场次有变动，将不做任何更改。",
    ),
    "import.cannot_apply": (
        "Fix the problems in the file and upload it again.",
        "请修正文件中的问题后重新上传。",
    ),
    "import.expired": (
        "This preview has expired: upload the file again.",
        "此预览已过期，请重新上传文件。",
    ),
    "import.applied": ("This import has been applied.", "此导入已应用。"),
    "import.unit.row": ("Row", "行"),
    "import.unit.line": ("Line", "行"),
    "import.unit.paragraph": ("Paragraph", "段落"),
    "import.col.column": ("Column", "列"),
    "import.col.pages": ("Pages", "页数"),
    "import.col.minutes": ("Minutes", "时长（分钟）"),
    "import.col.problem": ("Problem", "问题"),
    "import.col.action": ("Action", "操作"),
    "import.col.changes": ("Changes", "变更"),
    "import.field.int_ext": ("INT/EXT", "内/外"),
    "import.field.day_night": ("DAY/NIGHT", "日/夜"),
    "import.field.set_description": ("set", "场景"),
    "import.field.description": ("synopsis", "内容"),
    "import.field.page_eighths": ("pages", "页数"),
    "import.field.minutes": ("minutes", "时长"),
    "import.field.cast": ("cast", "演员"),
    "import.field.extras": ("extras", "群演"),
    "import.field.requires": ("requirements", "要求"),
    "import.field.earliest": ("earliest", "最早日期"),
    "import.field.latest": ("latest", "最晚日期"),
    "import.field.after": ("continuity", "接戏"),
    "import.done": (
        "Imported: {created} created, {updated} updated, {cast} added.",
        "导入完成：新建 {created}，更新 {updated}，新增演员 {cast}。",
    ),
    "import.refused": (
        "The file cannot be imported; nothing was changed:",
        "文件无法导入，未做任何更改：",
    ),
    "import.refused.password": (
        "The workbook is password-protected. Remove the password in Excel (File > Info > "
        "Protect Workbook), save it and upload it again.",
        "该工作簿设有密码。请在 Excel 中取消密码（文件 > 信息 > 保护工作簿），保存后重新上传。",
    ),
    "import.refused.xls": (
        "This is an old Excel .xls file: save it as Excel Workbook (.xlsx) and upload that.",
        "这是旧版 Excel .xls 文件：请另存为 Excel 工作簿（.xlsx）后上传。",
    ),
    "import.refused.damaged": (
        "The workbook is damaged. Open it in Excel, save it again and upload that.",
        "工作簿已损坏。请在 Excel 中打开并重新保存后上传。",
    ),
    "import.refused.too_large": (
        "The file is too large for an import.",
        "文件过大，无法导入。",
    ),
    "import.refused.too_many_rows": (
        "The file has too many scenes for one import: import it one episode or block at a time.",
        "文件场次过多：请按集或分段分批导入。",
    ),
    "import.refused.kind": (
        "Backlot reads breakdowns as Excel (.xlsx) or CSV, and screenplays as Fountain or "
        "Final Draft (.fdx): this file is none of those.",
        "本系统可导入 Excel（.xlsx）或 CSV 分场表，以及 Fountain 或 Final Draft（.fdx）剧本："
        "此文件不属于这些类型。",
    ),
    "import.refused.empty": ("The file is empty.", "文件为空。"),
    "import.refused.entities": (
        "The file declares XML entities or a DTD, which Backlot refuses (a known attack; "
        "Excel and Final Draft never write them).",
        "文件中声明了 XML 实体或 DTD，出于安全原因拒绝导入"
        "（Excel 和 Final Draft 不会写入这些内容）。",
    ),
    "import.refused.script_damaged": (
        "The Final Draft file is damaged: save it again in Final Draft and upload that.",
        "Final Draft 文件已损坏：请在 Final Draft 中重新保存后上传。",
    ),
    "import.refused.not_fdx": (
        "This is not a Final Draft script.",
        "这不是 Final Draft 剧本文件。",
    ),
    "import.refused.encoding": (
        "The text is neither UTF-8 nor GBK: save it as UTF-8 and upload it again.",
        "文本编码既不是 UTF-8 也不是 GBK：请另存为 UTF-8 后重新上传。",
    ),
    "import.refused.csv": (
        "The CSV file is malformed (an unclosed quote?): save it again from Excel.",
        "CSV 文件格式有误（可能有未闭合的引号）：请从 Excel 重新保存。",
    ),
    # plans
    "plans.title": ("Optimizer runs", "排期优化"),
    "run.queued": ("queued", "排队中"),
    "run.running": ("running", "运行中"),
    "run.succeeded": ("succeeded", "已完成"),
    "run.stopped": ("stopped early", "提前停止"),
    "run.failed": ("failed", "失败"),
    "plans.run": ("Run", "运行"),
    "plans.status": ("Status", "状态"),
    "plans.finished": ("Finished", "完成时间"),
    "plans.horizon": ("Horizon", "规划期"),
    "plans.total": ("Plan cost", "方案成本"),
    "schedule.why": ("Not planned", "未排原因"),
    "plans.crew_plan": ("This crew's plan", "本剧组方案成本"),
    "plans.crew_baseline": ("First-come, this crew", "本剧组先到先得成本"),
    "plans.left_out": ("{scenes} left out", "{scenes}未排"),
    "plans.more_scenes": ("and {scenes} more scheduled", "并多排 {scenes}"),
    "plans.baseline": ("First-come baseline", "先到先得基准"),
    "plans.savings": ("Savings", "节省"),
    "plans.unscheduled": ("Unscheduled scenes", "未排场次"),
    "plans.none": ("No optimizer run yet.", "尚无优化运行记录。"),
    "plans.crew": ("Crew proposal", "剧组方案"),
    "plans.view": ("View proposal", "查看方案"),
    "plans.cost": ("Cost breakdown", "成本构成"),
    "plans.cost.rent": ("Set rent", "场租"),
    "plans.cost.crew_days": ("Crew days", "剧组日成本"),
    "plans.cost.cast": ("Cast paid days", "演员薪酬"),
    "plans.cost.moves": ("Company moves", "转场"),
    "plans.cost.unscheduled": ("Unscheduled penalty", "未排期惩罚"),
    "plans.cost.total": ("Total", "合计"),
    "plans.days": ("Proposed days", "建议拍摄日"),
    "plans.holds": ("Accept places these holds", "接受后将下以下意向"),
    "plans.accept": ("Accept as holds", "接受并下意向"),
    "plans.accepted": ("Accepted", "已接受"),
    "plans.reasons": ("Why these scenes are unscheduled", "未排期原因"),
    "plans.no_proposal": (
        "This run proposes nothing for the crew.",
        "本次运行未给该剧组安排场次。",
    ),
    "plans.shooting_days": ("Shooting days", "拍摄天数"),
    "plans.scenes": ("Scenes", "场次"),
    "plans.start_title": ("Start an optimizer run", "启动排期优化"),
    "plans.start_lead": (
        "Plans every crew's unscheduled scenes; its proposals replace the current ones.",
        "为所有剧组规划未排场次；新方案将替换当前的建议排期。",
    ),
    "plans.horizon_days": ("Days ahead", "规划天数"),
    "plans.time_limit": ("Time limit (seconds)", "时限（秒）"),
    "plans.start": ("Start run", "开始运行"),
    "plans.in_progress": (
        "Run #{id} is still in progress: wait for it to finish, or stop it on its page.",
        "运行 #{id} 仍在进行：请等待完成，或在其页面上停止。",
    ),
    "plans.watch": ("Watch run #{id}", "查看运行 #{id}"),
    "plans.progress": ("Progress", "进度"),
    "plans.cancel_sent": (
        "Run #{id} is asked to stop; it keeps its best plan so far.",
        "已请求停止运行 #{id}；将保留当前最优方案。",
    ),
    "progress.title": ("Optimizer run #{id}", "优化运行 #{id}"),
    "progress.started": ("started", "开始于"),
    "progress.phase": ("Phase", "阶段"),
    "progress.elapsed": ("running for", "已运行"),
    "progress.live": ("Updates by itself every few seconds.", "每隔几秒自动更新。"),
    "progress.best": ("Best plan so far", "当前最优方案"),
    "progress.bound": ("Lower bound", "下界"),
    "progress.gap": ("at most {gap} above the best possible", "距理论最优至多 {gap}"),
    "progress.result": ("See the proposals", "查看方案"),
    "progress.cancel": ("Stop now, keep the best plan", "立即停止并保留当前最优方案"),
    "progress.cancel_q": ("Stop this run now?", "确定立即停止此运行吗？"),
    "phase.waiting": ("Waiting to start", "等待开始"),
    "phase.start": ("Reading the problem", "读取数据"),
    "phase.solving": ("Solving", "求解中"),
    "phase.greedy": ("First-come baseline", "先到先得基准"),
    "phase.talent": ("Ordering scenes for the cast", "按演员安排场次顺序"),
    "phase.joint": ("Solving all crews together", "所有剧组联合求解"),
    "phase.construct": ("Building a first plan", "构造初始方案"),
    "phase.search": ("Improving the plan", "改进方案"),
    "phase.bounds": ("Proving how good it is", "计算下界"),
    "phase.done": ("Done", "完成"),
    # summary across bases
    "summary.title": ("All bases", "基地总览"),
    "summary.sets": ("Sets", "场景数"),
    "summary.crews_peak": ("Most crews on site", "在场剧组峰值"),
    "summary.board": ("Board", "看板"),
    # feeds
    "feeds.title": ("Calendar feeds", "日历订阅"),
    "feeds.lead": (
        "Subscribe to a crew's or a set's bookings from any calendar program (iCalendar). "
        "Anyone with the link can read the feed until you revoke it.",
        "可在任何日历软件中订阅剧组或场景的预订（iCalendar）。持有链接的人都能读取，直到您吊销为止。",
    ),
    "feeds.new": ("New feed", "新建订阅"),
    "feeds.crew": ("Crew", "剧组"),
    "feeds.set": ("Set", "场景"),
    "feeds.create": ("Create link", "生成链接"),
    "feeds.created": (
        "Copy this link now: it is shown only once.",
        "请立即复制此链接：它只显示这一次。",
    ),
    "feeds.https": (
        "Link for a calendar program or web calendar (paste it as a subscription)",
        "订阅链接（在日历软件或网页日历中以订阅方式添加）",
    ),
    "feeds.webcal": (
        "The same feed as a webcal:// link, which opens your calendar program",
        "同一订阅的 webcal:// 链接，可直接打开日历软件",
    ),
    "feeds.subscribe": ("Subscribe", "订阅"),
    "feeds.revoke": ("Revoke", "吊销"),
    "feeds.revoked": ("Revoked", "已吊销"),
    "feeds.active": ("Active", "有效"),
    "feeds.none": ("No feeds yet.", "尚无订阅。"),
    "feeds.subject": ("Feed of", "订阅对象"),
    "feeds.created_at": ("Created", "创建时间"),
    "feeds.done_revoke": ("Feed revoked: its link no longer works.", "订阅已吊销，链接失效。"),
    # call sheets
    "cs.title": ("Call sheet", "通告单"),
    "cs.open": ("Call sheet", "通告单"),
    "cs.day_of": ("Day {n} of {m}", "第 {n} 天 / 共 {m} 天"),
    "cs.date": ("Date", "日期"),
    "cs.crew": ("Production", "剧组"),
    "cs.company": ("Company", "出品公司"),
    "cs.call": ("Crew call", "全组集合"),
    "cs.sunrise": ("Sunrise", "日出"),
    "cs.sunset": ("Sunset", "日落"),
    "cs.where": ("Locations", "拍摄地点"),
    "cs.address": ("Address", "地址"),
    "cs.base": ("Base", "基地"),
    "cs.set": ("Set", "场景"),
    "cs.scenes": ("Scenes in shooting order", "拍摄场次（按拍摄顺序）"),
    "cs.scene": ("Sc.", "场次"),
    "cs.ie": ("INT/EXT", "内/外"),
    "cs.dn": ("D/N", "日/夜"),
    "cs.pages": ("Pages", "页数"),
    "cs.synopsis": ("Synopsis", "内容提要"),
    "cs.cast": ("Cast", "演员"),
    "cs.extras": ("Extras", "群演"),
    "cs.cast_calls": ("Cast calls", "演员通告"),
    "cs.makeup": ("Makeup", "化妆"),
    "cs.makeup_min": ("Makeup (min)", "化妆时长（分钟）"),
    "cs.on_set": ("On set", "到场"),
    "cs.in_scenes": ("Scenes", "场次"),
    "cs.notes": ("Notes", "备注"),
    "cs.no_notes": ("No notes.", "无。"),
    "cs.total": ("Total", "合计"),
    "cs.part": ("day {i} of {n}", "第 {i}/{n} 天"),
    "cs.booking.confirmed": ("booking confirmed", "预订已确认"),
    "cs.booking.hold": ("NOT CONFIRMED: still a hold", "尚未确认：仍为意向预订"),
    "cs.booking.none": ("NOT BOOKED", "未预订"),
    "cs.print": ("Print", "打印"),
    "cs.xlsx": ("Download .xlsx", "下载 .xlsx"),
    "cs.back": ("Back to the schedule", "返回拍摄计划"),
    "cs.no_sun": ("no coordinates", "缺少坐标"),
    "cs.summary": (
        "{n}, {pages}, {extras} extras",
        "{n}，{pages}，群演 {extras} 人",
    ),
    "cs.INT": ("INT", "内景"),
    "cs.EXT": ("EXT", "外景"),
    "cs.DAY": ("DAY", "日"),
    "cs.NIGHT": ("NIGHT", "夜"),
    # notices
    "nav.inbox": ("Inbox", "通知"),
    "nav.settings": ("Settings", "设置"),
    "nav.unread": ("{n} unread", "{n} 条未读"),
    "notice.hold_challenged": (
        "Your hold #{booking_id} on {set} for {days} was challenged: confirm it by {deadline} "
        "or it lapses.",
        "您在 {set}（{days}）的意向 #{booking_id} 被发起挑战：请在 {deadline} 前确认，否则失效。",
    ),
    "notice.hold_lapses_soon": (
        "Your hold #{booking_id} on {set} for {days} lapses at {deadline} unless confirmed.",
        "您在 {set}（{days}）的意向 #{booking_id} 将于 {deadline} 失效，请及时确认。",
    ),
    "notice.hold_first": (
        "Your hold #{booking_id} on {set} for {days} is now the 1st hold: you may confirm it.",
        "您在 {set}（{days}）的意向 #{booking_id} 现已排第一，可以确认。",
    ),
    "notice.booking_confirmed": (
        "{crew} confirmed booking #{booking_id} of {set} for {days}.",
        "{crew} 已确认预订 #{booking_id}：{set}，{days}。",
    ),
    "notice.booking_cancelled": (
        "{crew} cancelled booking #{booking_id} of {set} for {days}; the days are free again.",
        "{crew} 已取消预订 #{booking_id}：{set}，{days}，相关日期已释放。",
    ),
    "notice.plan_proposal": (
        "Plan run #{run_id} has a new proposal for {crew}: {scenes} on {days}.",
        "优化方案 #{run_id} 为 {crew} 给出了新的排期建议：{scenes}，{days}。",
    ),
    "notice.import_finished": ("Import finished: {summary}", "导入完成：{summary}"),
    "notice.webhook_disabled": (
        "Your webhook to {url} was disabled after {failures} failed attempts in a row.",
        "您的 Webhook（{url}）连续 {failures} 次发送失败，已停用。",
    ),
    "inbox.title": ("Inbox", "通知"),
    "inbox.none": ("No notices yet.", "暂无通知。"),
    "inbox.unread": ("Unread", "未读"),
    "inbox.read": ("Mark read", "标为已读"),
    "inbox.read_all": ("Mark all read", "全部标为已读"),
    "inbox.when": ("When", "时间"),
    "inbox.done_read": ("Marked read.", "已标为已读。"),
    "inbox.open": ("Open", "查看"),
    "settings.title": ("Notice settings", "通知设置"),
    "settings.lead": (
        "Notices always reach your inbox here. Choose whether they are also e-mailed, and the "
        "language of e-mails and webhooks.",
        "通知总会出现在此处的收件箱中。"
        "您可以选择是否同时发送电子邮件，以及邮件和 Webhook 使用的语言。",
    ),
    "settings.language": ("Language of notices", "通知语言"),
    "settings.email": ("E-mail address", "电子邮箱"),
    "settings.email_on": ("Also send notices by e-mail", "同时通过电子邮件发送通知"),
    "settings.email_off_server": (
        "E-mail is not configured on this server: notices reach the inbox and webhooks only.",
        "本服务器未配置电子邮件：通知仅发送到收件箱和 Webhook。",
    ),
    "settings.save": ("Save", "保存"),
    "settings.saved": ("Settings saved.", "设置已保存。"),
    "settings.webhooks": ("Webhooks", "Webhook"),
    "settings.webhooks_lead": (
        "Each notice of the kinds you pick is POSTed as JSON to your URL, signed per the "
        "Standard Webhooks convention (webhook-id, webhook-timestamp, webhook-signature).",
        "所选类型的通知会以 JSON 形式 POST 到您的地址，并按 Standard Webhooks 规范签名"
        "（webhook-id、webhook-timestamp、webhook-signature）。",
    ),
    "settings.url": ("URL", "地址"),
    "settings.kinds": ("Notices", "通知类型"),
    "settings.add": ("Add webhook", "添加 Webhook"),
    "settings.secret": (
        "Signing secret (shown only once; copy it now):",
        "签名密钥（仅显示这一次，请立即复制）：",
    ),
    "settings.delete": ("Delete", "删除"),
    "settings.deleted": ("Webhook deleted.", "Webhook 已删除。"),
    "settings.disabled": ("disabled", "已停用"),
    "settings.active": ("active", "有效"),
    "settings.none": ("No webhooks.", "暂无 Webhook。"),
    "settings.log": ("Recent deliveries", "最近发送记录"),
    "kind.hold_challenged": ("Your hold was challenged", "意向被挑战"),
    "kind.hold_lapses_soon": ("Your hold lapses within 24 hours", "意向将在 24 小时内失效"),
    "kind.hold_first": ("Your hold became 1st", "意向升为第一"),
    "kind.booking_confirmed": ("A booking on your base was confirmed", "所辖基地的预订已确认"),
    "kind.booking_cancelled": ("A booking on your base was cancelled", "所辖基地的预订已取消"),
    "kind.plan_proposal": ("A new plan proposal for your crew", "剧组有新的排期建议"),
    "kind.import_finished": ("An import finished", "导入完成"),
    "kind.webhook_disabled": ("A webhook was disabled", "Webhook 已停用"),
    "delivery.pending": ("pending", "待发送"),
    "delivery.delivered": ("delivered", "已送达"),
    "delivery.failed": ("failed", "失败"),
    "delivery.cancelled": ("cancelled", "已取消"),
    # errors
    "error.title": ("Something is not right", "出了点问题"),
    "error.back": ("Back to the start", "返回首页"),
    "error.forbidden": ("You may not open this page.", "您无权访问此页面。"),
    "error.notfound": ("Not found.", "未找到。"),
    "error.no_page_title": ("Page not found", "页面不存在"),
    "error.no_page": (
        "There is no page at this address. Check the link, or start again from the menu.",
        "此地址没有页面。请检查链接，或从菜单重新开始。",
    ),
    "error.input": ("Please check the form:", "请检查填写内容："),
    "error.too_many_title": ("Please slow down", "请求过于频繁"),
    "error.too_many": (
        "You have made more than {limit} requests in a minute (pages, downloads and the API "
        "together). Please wait {retry} seconds, then reload the page.",
        "您在一分钟内的请求超过了 {limit} 次（页面、下载和 API 合计）。"
        "请等待 {retry} 秒后刷新页面。",
    ),
    "common.all": ("All", "全部"),
    # extras (横漂) pool
    "extras.board_title": ("Extras day board", "群演调度日报"),
    "extras.day": ("Day", "日期"),
    "extras.whole_town": ("Whole town", "全镇"),
    "extras.dispatch": ("Dispatch", "派工"),
    "extras.slots": ("{filled} of {slots} slots filled", "已派 {filled} / 需求 {slots} 人"),
    "extras.last_run": ("last run #{id}", "最近一次派工 #{id}"),
    "extras.fill_rate": ("fill rate", "满足率"),
    "extras.fairness": ("fairness", "公平性"),
    "extras.mean_days": ("{n} days in 30 on average", "近30天平均 {n} 天"),
    "extras.changes": ("{n} since the last run", "较上次变动 {n}"),
    "extras.refreshing": (
        "The run is going: this page refreshes itself.",
        "派工进行中：本页将自动刷新。",
    ),
    "extras.no_run": ("no dispatch run yet", "尚未派工"),
    "extras.run": ("Run dispatch", "运行派工"),
    "extras.publish": ("Publish (confirm proposals)", "发布（确认派工）"),
    "extras.run_started": ("Dispatch run #{id} started.", "派工 #{id} 已开始。"),
    "extras.active_run": ("Dispatch run #{id} · {scope}", "派工 #{id} · {scope}"),
    "extras.cancel_asked": (
        "Cancel requested: it stops before it changes the day's proposals.",
        "已请求取消：将在更新当天拟派结果前停止。",
    ),
    "extras.cancel_run": ("Cancel this run", "取消本次派工"),
    "extras.cancel_run_q": (
        "Cancel this dispatch run? The day's proposals stay as they are.",
        "确定取消本次派工吗？当天的拟派结果保持不变。",
    ),
    "extras.run_stopped": (
        "Dispatch run #{id} is cancelled; the day's proposals stay as they were.",
        "派工 #{id} 已取消；当天的拟派结果保持不变。",
    ),
    "extras.run_cancel_sent": (
        "Dispatch run #{id} will stop before it changes the day's proposals.",
        "派工 #{id} 将在更新当天拟派结果前停止。",
    ),
    "extras.run_over": ("Dispatch run #{id} had already finished.", "派工 #{id} 已经结束。"),
    "phase.loading": ("Reading the requests and the register", "读取需求与名册"),
    "extras.published": ("{n} confirmed.", "已确认 {n}。"),
    "unit.change": ("change", "处"),
    "unit.change.other": ("changes", "处"),
    "unit.assignment": ("assignment", "人次派工"),
    "unit.assignment.other": ("assignments", "人次派工"),
    "unit.performer": ("performer", "位演员"),
    "unit.performer.other": ("performers", "位演员"),
    "unit.row": ("row", "行"),
    "unit.row.other": ("rows", "行"),
    "unit.problem": ("problem", "个问题"),
    "unit.problem.other": ("problems", "个问题"),
    "extras.demand": ("Demand and supply by profile", "按条件的需求与供给"),
    "extras.profile": ("Profile", "条件"),
    "extras.requests": ("Requests", "需求单"),
    "extras.demand_slots": ("Slots", "需求人数"),
    "extras.filled": ("Filled", "已派"),
    "extras.supply": ("Free and eligible", "可用人数"),
    "extras.no_requests": ("No requests for this day.", "当天没有需求单。"),
    "extras.crew": ("Crew", "剧组"),
    "extras.priority": ("Priority", "优先级"),
    "extras.call": ("Call", "报到"),
    "extras.status": ("Status", "状态"),
    "extras.unfilled": ("Unfilled", "未派满"),
    "extras.unfilled_slots": ("Unfilled slots and why", "未派满的名额及原因"),
    "extras.attendance": ("Attendance", "考勤"),
    "extras.no_confirmed": (
        "No confirmed assignments for this day yet: publish first.",
        "当天尚无已确认的派工：请先发布。",
    ),
    "extras.performer": ("Name", "姓名"),
    "extras.card": ("Card no.", "证号"),
    "extras.phone": ("Phone", "电话"),
    "extras.hours": ("Hours", "工时"),
    "extras.tasks": ("Special tasks", "特殊任务"),
    "extras.save": ("Save", "保存"),
    "extras.att.present": ("Present", "到岗"),
    "extras.att.late": ("Late", "迟到"),
    "extras.att.absent": ("Absent", "缺勤"),
    "extras.attendance_done": ("Attendance saved.", "考勤已保存。"),
    "extras.pay_sheets": ("Pay sheets", "结算单"),
    "extras.pay_sheet": ("Pay sheet", "结算单"),
    "extras.register_title": ("Extras register", "群演名册"),
    "extras.search": ("Name or card no.", "姓名或证号"),
    "extras.link_once": (
        "The performer's private link, shown once: hand it to them.",
        "演员专属链接（仅显示一次）：请转交本人。",
    ),
    "extras.link": ("Private link", "专属链接"),
    "extras.new_link": ("New private link", "生成专属链接"),
    "extras.no_performers": ("No performer found.", "未找到演员。"),
    "extras.gender": ("Gender", "性别"),
    "extras.g.m": ("Male", "男"),
    "extras.g.f": ("Female", "女"),
    "extras.birth_year": ("Birth year", "出生年份"),
    "extras.height": ("Height (cm)", "身高（厘米）"),
    "extras.category": ("Category", "类别"),
    "extras.cat.ordinary": ("Ordinary", "普通"),
    "extras.cat.group_featured": ("Group featured", "群特"),
    "extras.cat.featured_small": ("Featured (small)", "小特"),
    "extras.cat.featured_mid": ("Featured (mid)", "中特"),
    "extras.cat.featured_large": ("Featured (large)", "大特"),
    "extras.tags": ("Skills and looks", "技能与形象"),
    "extras.skills": ("Skills", "技能"),
    "extras.looks": ("Looks", "形象"),
    "extras.dialects": ("Dialects", "方言"),
    "extras.register_new": ("Register a performer", "登记新演员"),
    "extras.register": ("Register", "登记"),
    "extras.registered": ("{name} ({card}) is registered.", "{name}（{card}）已登记。"),
    # importing the register from the office's sheet
    "extras.import.title": ("Import the register", "导入群演名册"),
    "extras.import.lead": (
        "From the office's sheet (Excel .xlsx or CSV), one row per performer: see first who "
        "will be registered and who updated (matched by card number), then apply it all at once.",
        "从管理处的名册表格（Excel .xlsx 或 CSV）导入，每行一位演员：先预览将新登记和更新"
        "（按证号匹配）的演员，再一次性全部应用。",
    ),
    "extras.import.file": ("Register sheet", "名册文件"),
    "extras.import.limits": (
        "Up to {mb} MB and {rows} performers. Name, gender and card number on every row; a card "
        "number appears once; a blank cell changes nothing.",
        "文件不超过 {mb} MB、{rows} 位演员。每行须填写姓名、性别和证号；每个证号只能出现一次；"
        "空白单元格不修改原有内容。",
    ),
    "extras.import.template": ("Register template", "名册模板"),
    "extras.import.summary": (
        "{create} to register · {update} to update · {unchanged} unchanged · {errors} with "
        "problems",
        "新登记 {create} · 更新 {update} · 无变化 {unchanged} · 有问题 {errors}",
    ),
    "extras.import.problems_block": (
        "{problems} in {rows}: fix them in the file and upload it again before it can be applied.",
        "文件中 {rows}有问题，共 {problems}：请修正后重新上传，才能应用。",
    ),
    "extras.import.show": ("Show", "显示"),
    "extras.import.show.all": ("All rows", "全部"),
    "extras.import.show.create": ("To register", "新登记"),
    "extras.import.show.update": ("To update", "更新"),
    "extras.import.show.unchanged": ("Unchanged", "无变化"),
    "extras.import.show.problems": ("Problems", "问题"),
    "extras.import.listed": ("{first}–{last} of {total}", "第 {first}–{last} 条，共 {total} 条"),
    "extras.import.none_listed": ("Nothing to list here.", "此处没有可列出的内容。"),
    "extras.import.action.create": ("New", "新登记"),
    "extras.import.action.update": ("Update", "更新"),
    "extras.import.action.unchanged": ("Unchanged", "无变化"),
    "extras.import.col.changes": ("Changes: now → from the file", "变更：原值 → 文件中的值"),
    "extras.import.apply_note": (
        "All or nothing: if the register changed since this preview, nothing is applied.",
        "全部应用或全部不应用：如预览后名册有变动，将不做任何更改。",
    ),
    "extras.import.done": (
        "Imported: {created} registered, {updated} updated.",
        "导入完成：新登记 {created}，更新 {updated}。",
    ),
    "extras.import.refused.too_many_rows": (
        "The sheet has more rows than one import takes (at most {rows} performers): import "
        "it in parts, and delete any blank rows below the register.",
        "表格行数超过单次导入上限（最多 {rows} 位演员）：请分批导入，并删除名册下方的空行。",
    ),
    "extras.import.refused.kind": (
        "Backlot reads the register as Excel (.xlsx) or CSV: this file is neither.",
        "名册只能导入 Excel（.xlsx）或 CSV 文件：此文件不属于这两种。",
    ),
    "extras.import.refused.applied": ("This import has been applied already.", "此导入已应用过。"),
    "extras.import.refused.expired": (
        "This preview is more than a day old: upload the file again.",
        "此预览已超过一天：请重新上传文件。",
    ),
    "extras.import.refused.file_problems": (
        "Fix the problems in the file and upload it again. Nothing was changed.",
        "请修正文件中的问题后重新上传。未做任何更改。",
    ),
    "extras.import.refused.changed": (
        "The register changed since this preview, so nothing was applied: upload the file again "
        "to see a fresh preview.",
        "预览后名册有变动，未做任何更改：请重新上传文件查看新的预览。",
    ),
    "extras.import.field.name": ("name", "姓名"),
    "extras.import.field.gender": ("gender", "性别"),
    "extras.import.field.card_no": ("card no.", "证号"),
    "extras.import.field.birth_year": ("birth year", "出生年份"),
    "extras.import.field.height_cm": ("height", "身高"),
    "extras.import.field.phone": ("phone", "电话"),
    "extras.import.field.category": ("category", "类别"),
    "extras.import.field.skills": ("skills", "技能"),
    "extras.import.field.looks": ("looks", "形象"),
    "extras.import.field.dialects": ("dialects", "方言"),
    "extras.import.field.wardrobe": ("wardrobe sizes", "服装尺码"),
    "extras.import.field.status": ("status", "状态"),
    "extras.import.field.max_days_per_week": ("most days a week", "每周最多天数"),
    "extras.import.st.active": ("active", "在册"),
    "extras.import.st.inactive": ("inactive", "停用"),
    "extras.crew_title": ("Extras for the crew", "剧组群演"),
    "extras.order": ("Order extras for a shooting day", "为拍摄日预订群演"),
    "extras.no_shooting": (
        "No shooting day ahead: extras are ordered for a confirmed booking or an accepted plan.",
        "暂无拍摄日：群演需针对已确认的预订或已接受的方案预订。",
    ),
    "extras.shooting_day": ("Shooting day and set", "拍摄日与场景"),
    "extras.count": ("How many", "人数"),
    "extras.any": ("Any", "不限"),
    "extras.age": ("Age", "年龄"),
    "extras.age_min": ("Youngest", "最小年龄"),
    "extras.age_max": ("Oldest", "最大年龄"),
    "extras.wardrobe": ("Wardrobe notes", "服装要求"),
    "extras.continuity": ("Continuity of", "接戏（同一批人）"),
    "extras.order_submit": ("Order", "提交需求"),
    "extras.ordered": ("Request #{id}: {n} extras for {day}.", "需求单 #{id}：{day} 群演 {n} 人。"),
    "extras.cutoff": ("closes", "截止"),
    "extras.none_yet": ("Nobody dispatched yet.", "尚未派工。"),
    "extras.reason": ("Reason (optional)", "取消原因（可选）"),
    "extras.cancel": ("Cancel request", "取消需求"),
    "extras.after_cutoff": (
        "Past the cut-off: only the extras office cancels now.",
        "已过截止时间：只能由群演管理处取消。",
    ),
    "extras.cancelled": ("Request #{id} is cancelled.", "需求单 #{id} 已取消。"),
    "extras.change": ("Change request", "修改需求"),
    "extras.change_keeps": (
        "Confirmed performers stay; a new profile or set withdraws the proposed ones until "
        "the next dispatch.",
        "已确认的演员保持不变；修改条件或场景会撤回拟派的演员，待下次派工重新安排。",
    ),
    "extras.change_submit": ("Save changes", "保存修改"),
    "extras.change_closed": (
        "Past the cut-off: contact the extras office to change this request.",
        "已过截止时间：如需修改此需求，请联系群演管理处。",
    ),
    "extras.changed": ("Request #{id} is changed.", "需求单 #{id} 已修改。"),
    "extras.changed_withdrawn": (
        "Request #{id} is changed; {n} withdrawn until the next dispatch.",
        "需求单 #{id} 已修改；已撤回 {n}，待下次派工重新安排。",
    ),
    "unit.proposed_performer": ("proposed performer", "名拟派演员"),
    "unit.proposed_performer.other": ("proposed performers", "名拟派演员"),
    "extras.st.open": ("Open", "有效"),
    "extras.st.cancelled": ("Cancelled", "已取消"),
    "extras.as.proposed": ("Proposed", "拟派"),
    "extras.as.confirmed": ("Confirmed", "已确认"),
    "common.yes": ("Yes", "是"),
    "common.none": ("—", "—"),
}

_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def pages_text(eighths: int) -> str:
    """Script length the way a breakdown writes it: '1 3/8'."""
    whole, rest = divmod(eighths, 8)
    if not rest:
        return str(whole)
    return f"{whole} {rest}/8" if whole else f"{rest}/8"


def pick_language(cookie: str | None, accept_language: str | None) -> Lang:
    """The remembered choice, else the browser's first preference among ours, else English."""
    if cookie in LANGS:
        return "zh" if cookie == "zh" else "en"
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


class Translator:
    """``t('key', n=3)`` in one language, plus China-style formats."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._i = 0 if lang == "en" else 1

    def __call__(self, key: str, **params: object) -> str:
        text = MESSAGES[key][self._i]
        return text.format(**params) if params else text

    def maybe(self, key: str, default: str) -> str:
        """The text of ``key``, or ``default`` for a key the catalogue does not know (a name
        the solver may add, such as a new phase)."""
        return self(key) if key in MESSAGES else default

    def money(self, yuan: int | None) -> str:
        """¥1,234,567 — whole yuan, grouped by thousands as in China's financial notation."""
        if yuan is None:
            return "—"
        return f"-¥{-yuan:,}" if yuan < 0 else f"¥{yuan:,}"

    # One way of writing a date per language, whole or shortened: 2026年12月3日 · 12月3日 ·
    # 12月3日 周四 · 2026年12月3日 10:00, and 3 Dec 2026 · 3 Dec · Thu 3 Dec · 3 Dec 2026 10:00.

    def ymd(self, d: dt.date) -> str:
        """A whole date: '2026年12月3日' / '3 Dec 2026'."""
        if self.lang == "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {_MONTHS_EN[d.month - 1][:3]} {d.year}"

    def date_text(self, value: object) -> str:
        """A date recorded as ISO text (a run's figures), written as :meth:`ymd` writes it."""
        try:
            return self.ymd(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)

    def short(self, d: dt.date) -> str:
        """A date within a month or year on screen: '12月3日' / '3 Dec'."""
        if self.lang == "zh":
            return f"{d.month}月{d.day}日"
        return f"{d.day} {_MONTHS_EN[d.month - 1][:3]}"

    def day(self, d: dt.date) -> str:
        """Short day label with its weekday: '12月3日 周四' / 'Thu 3 Dec'."""
        if self.lang == "zh":
            return f"{self.short(d)} 周{_WEEKDAYS_ZH[d.weekday()]}"
        return f"{_WEEKDAYS_EN[d.weekday()]} {self.short(d)}"

    def weekday(self, d: dt.date) -> str:
        return _WEEKDAYS_ZH[d.weekday()] if self.lang == "zh" else _WEEKDAYS_EN[d.weekday()][:2]

    def month(self, d: dt.date) -> str:
        return (
            f"{d.year}年{d.month}月" if self.lang == "zh" else f"{_MONTHS_EN[d.month - 1]} {d.year}"
        )

    def span(self, start: dt.date, end: dt.date) -> str:
        """A half-open range as people say it: first and last day."""
        last = end - dt.timedelta(days=1)
        if last == start:
            return self.ymd(start)
        sep = " 至 " if self.lang == "zh" else " – "
        return self.ymd(start) + sep + self.ymd(last)

    def instant(self, at: dt.datetime | None) -> str:
        """Local time in the base's zone, 24-hour clock: '3 Dec 2026 10:00'."""
        if at is None:
            return "—"
        local = at.astimezone(base_zone())
        return f"{self.ymd(local.date())} {local:%H:%M}"

    def unit(self, n: int, what: str) -> str:
        """The word for ``n`` of ``what`` ('day' or 'days'; Chinese has one form)."""
        return self(f"unit.{what}" if n == 1 else f"unit.{what}.other")

    def count(self, n: int, what: str) -> str:
        """'1 day', '3 days', '3 天': a number with its word."""
        return f"{n} {self.unit(n, what)}"

    def percent(self, ratio: float | None) -> str:
        return "—" if ratio is None else f"{ratio * 100:.0f}%"

    def ordinal_hold(self, rank: int | None) -> str:
        if rank is None:
            return "—"
        if self.lang == "zh":
            return self("b.nth", n=rank)
        from app.timeutil import ordinal

        return self("b.nth", n=ordinal(rank))

    def pages(self, eighths: int) -> str:
        return pages_text(eighths)

    def page_count(self, eighths: int) -> str:
        """'3/8 page', '1 page', '1 3/8 pages': up to one page is a page."""
        return f"{self.pages(eighths)} {self.unit(1 if eighths <= 8 else 2, 'page')}"

    def name(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en
