"""The post-mortem's review sections: root cause, lessons and action items.

The log cannot know the causes or the lessons: those are prompts for the meeting, with the
decisions taken during the incident for reference; action items come from the log.
"""

from __future__ import annotations

from warroom.export.markdown_text import Md, item, prompt, table, utc
from warroom.export.model import PostMortem


def review_sections(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Root cause and contributing factors", ""]
    out += [prompt("What caused it? Ask why until the answer is a fix."), ""]
    out += [prompt("What made it worse, slower to detect or harder to fix?"), ""]
    if pm.decisions:
        out += ["Decisions taken during the incident:", ""]
        out += [item(f"{utc(d.at, multi)} {md.text(d.text)}") for d in pm.decisions]
        out.append("")
    out += [
        "## Lessons",
        "",
        "### What went well",
        "",
        prompt("What should we keep doing?"),
        "",
        "### What went wrong",
        "",
        prompt("Where did we lose time? What was missing: alerts, runbooks, access, people?"),
        "",
        "### Where we got lucky",
        "",
        prompt("What could have made this much worse, and did not?"),
        "",
        "### Prevention",
        "",
        prompt("What would stop this kind of incident? Log each as a prevent action item."),
        "",
        "## Action items",
        "",
    ]
    if pm.action_items:
        out += table(
            ["Action", "Type", "Owner", "Due", "Ticket", "Status"],
            [
                [
                    md.text(a.action),
                    a.type,
                    md.text(a.owner),
                    md.text(a.due),
                    md.text(a.ticket),
                    md.text(a.status),
                ]
                for a in pm.action_items
            ],
        )
    else:
        out.append(prompt("No action items were logged: add them with an owner and a due date."))
    out += [
        "",
        prompt("Types: prevent, mitigate, detect, process. Each needs an owner and a ticket."),
        "",
    ]
    return out
