"""What vulture reports over warroom/ that is not dead, each with the reason (read by
tests/test_dead_code.py; vulture counts a name used here as used).

Textual's hooks (on_*, action_*, watch_*, render_line, DEFAULT_CSS, BINDINGS, ...) and @on /
@work handlers are called by the framework by name; the test passes them as ignored names
and decorators rather than listing each one here.
"""

# ruff: noqa: B018, F821
# mypy: ignore-errors

# --- called by a framework or a library, not by our code
_.display  # SilenceDialog: Textual's Widget.display (the override-reason box shown on refusal)
markup  # WarRoomApp.notify keeps Textual's signature (callers pass markup=); it is always off
viewport  # LineCacheWidget.get_content_height: Textual's signature
channel  # PostgresStore's LISTEN callback: asyncpg's signature (connection, pid, channel, payload)
_.trust_env  # sources/http.py: httpx client settings, read by httpx
_.verify  # sources/http.py: httpx client settings, read by httpx
_.cert  # sources/http.py: httpx client settings, read by httpx

# --- data fields and enum members: part of what a source answers or a file holds
UNPROCESSED  # AlertState: an Alertmanager state the parser maps
generator_url  # Alert: Alertmanager's generatorURL, kept with the alert
declared_by  # Incident: who declared it (stored, exported)
detected_s  # drill scenario: when the simulated alert is detected
comment_only  # shell_syntax: a field of the parsed line

# --- public seams the tests read (the screen's state, through the widget's own API)
unregister  # ui.regions: a test's (or plugin's) region leaves the registry again
_.filter_pending  # AlertList: a storm's rows for a new filter are still being built
_.select_on_focus  # NotePrompt (log region): Textual's Input reads it; a prefill is typed after
_.cursor_position  # NotePrompt (log region): Textual's Input reads it (the cursor at the end)
_.filtered_alerts  # AlertList: every alert the filter passes, not only the visible lines
_.row_count  # AlertList
_.highlighted_group  # AlertList: the grouped row's members and common labels (a group silence)
_.texts  # TextLog and LineCacheWidget: what the pane shows, as plain text
FrozenClock  # domain.clock: the injected clock of tests and snapshots
_.advance  # FrozenClock
_.pre_incident  # IncidentLog: what the console observed before any incident
group_by_name  # domain.alerts: the plain definition the fast rows (alert_view) are held to
silence_request_for  # services.silences: the live Alertmanager tests build silences with it
bulk_request  # services.silences: the same, from a filter

# --- owned by other parts of the tree, left for their owners (named in the regions report)
summarise  # domain.alert_history: one alert's summary from its events (the webhook/outage tests;
#            the console summarises through HistoryIndex, which shares summarise_spans)
_.for_alert  # services.remedy_memory RemedyLibrary: remedy memory for the runbook pane, which
#              is another engineer's region: `self.services.remedies.for_alert(alert)` there
_.recovered_alone  # domain.remedy_memory RemedyMemory: shown with the ranking in the runbook pane
_.unsaved  # domain.ports StoreStatus: entries shown but not saved (stores' tests read it)
alive  # sources.executors.process_tree: the step-process tests check trees are gone with it
_.cut_lines  # sources.executors.step_output: lines cut from bounded output (tests read it)
_.ascii_symbol  # domain.alerts Severity: for a terminal without the symbols (no caller yet)
_.runbook_url  # domain.alerts Alert: the annotation (no caller yet)
alerts_named  # domain.runbook_parser
is_complete  # domain.shell_syntax
_.finished  # drill.world
suggested_kind  # export.status_updates
_.set_severity  # services.incident_log: no key sets the severity yet
_.step_run  # services.incident_log: steps are recorded through steps.step_entry
run_and_record  # services.steps: the UI runs steps through services.step_pipeline
VectorQuery  # sources.executors.promql
_.acknowledge_s  # drill.world DrillSummary: the drill's ground truth the tests hold the clock to
_.mitigate_s  # the same
_.resolve_s  # the same
schema  # export.json_export: the shipped JSON schema, for consumers of the export (and tests)
descriptions  # config.reference: each field's doc, read by the test that no field goes undocumented
_.related_alerts  # domain.milestones: the alerts a clock was derived from (export and tests)
_.scanned_chars  # runbook_parse: counters that prove parsing stays linear (tests assert on them)
_.capped_steps  # the same
_.block_looks  # the same: lines and containers the block scanner looked at
_.span_looks  # the same: what the code-span reader looked at
_.query_for  # domain.signals SignalSpec: one panel query for one label (CLI export tests, oracles)
alive  # executors.process_tree: is a pid still running (the process-tree tests prove none is)
_.cut_lines  # executors.step_output: how many lines were cut at the cap (tests assert on it)
_.section_for  # domain.runbooks: the one-answer lookup (tests, callers); the pane uses covering() to name the others

_.retries  # kubernetes.client.Configuration: read by the client, set by the context source
