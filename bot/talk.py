"""What the bot remembers of a conversation, so that a follow-up question is read in its context.

Kept in python-telegram-bot's chat_data (kept in the state database by bot/conversations.py, so it
survives a restart and any replica continues it), per thread: a group's forum topic is a conversation
of its own. A follow-up is a reply to one of the bot's answers (in any chat), or, in a private chat, a
message within FOLLOW_UP_SECONDS of the last answer. /new forgets the thread's conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Message

from answer.followup import FOLLOW_UP_SECONDS, Context

CHAT_KEY = "storybot.talk"  # chat_data key
MAX_REMEMBERED = 64  # answers per thread that a reply can still continue


@dataclass
class Thread:
    """One conversation: the last answer's context and the contexts of recent answer messages."""

    last: Context | None = None
    answers: dict[int, Context] = field(default_factory=dict)  # bot message id -> its answer's context


def thread_id(message: Message) -> int:
    """The conversation a message belongs to: its forum topic, or 0 for the chat itself."""
    return message.message_thread_id if message.is_topic_message and message.message_thread_id else 0


def _threads(chat_data: dict | None) -> dict[int, Thread]:
    if chat_data is None:
        return {}
    return chat_data.setdefault(CHAT_KEY, {})


def context_for(chat_data: dict | None, message: Message, now: float, *, private: bool) -> Context | None:
    """The context `message` continues: the answer it replies to, else (private chats) a recent answer."""
    thread = _threads(chat_data).get(thread_id(message))
    if thread is None:
        return None
    replied = message.reply_to_message
    bot_id = message.get_bot().id
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return thread.answers.get(replied.message_id)
    if private and thread.last is not None and now - thread.last.at <= FOLLOW_UP_SECONDS:
        return thread.last
    return None


def remember(chat_data: dict | None, message: Message, context: Context, sent: list[int]) -> None:
    """Keep `context` as the thread's last answer, and as the context of each of the messages `sent`."""
    if chat_data is None:
        return
    thread = _threads(chat_data).setdefault(thread_id(message), Thread())
    thread.last = context
    for message_id in sent:
        thread.answers[message_id] = context
    while len(thread.answers) > MAX_REMEMBERED:
        thread.answers.pop(next(iter(thread.answers)))


def forget(chat_data: dict | None, message: Message) -> bool:
    """Drop the thread's conversation (/new); True when there was one."""
    return _threads(chat_data).pop(thread_id(message), None) is not None
