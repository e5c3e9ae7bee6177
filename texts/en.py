"""Every English text storybot shows people, in one file: a translator edits this one (texts/vi.py
holds the same keys in Vietnamese; tests/test_texts.py checks that both have every key).

Telegram messages (BOT) are Telegram HTML; the others are plain text. {name} marks a value filled in.
"""


# An answer's frame (storybot ask, the chat and the bot), and the notice on a question cut short.
ANSWER = {
    "header": "From the articles:",
    "not_found": "Not found in the articles.",
    "paragraph": "paragraph",
    "read_as": "Read as a follow-up: “{question}”",
    "truncated": "The question was longer than {limit} characters; only the first {limit} were used.",
}

# A who-question's answer, party by party.
PARTIES = {
    "header": "The parties in the story:",
    "paragraph": "paragraph",
    "none": "No party found.",
    # What of the target's an act answers: "denies the accusation by Mỹ" (names stay as the article writes them).
    "claim_accusation": "the accusation by {party}",
    "claim_statement": "the statement by {party}",
    "claim_report": "the report by {party}",
    "claim_demand": "the demand by {party}",
    "claim_criticism": "the criticism by {party}",
    "claim_lawsuit": "the lawsuit by {party}",
    "claim_decision": "the decision by {party}",
    "claim_warning": "the warning by {party}",
}

# What a party did, before its target: "cáo buộc Bắc Kinh", "denies".
ACTS = {
    "accuse": "accuses",
    "charge": "charges",
    "sue": "sues",
    "criticize": "criticises",
    "deny": "denies",
    "reject": "rejects",
    "demand": "demands",
    "say": "says",
    "respond": "responds",
    "threaten": "warns",
    "other": "",
}

# The Telegram bot's messages (Telegram HTML).
BOT = {
    "new_conversation": "New conversation: your next question is read on its own.",
    "feedback_wrong_quote": "❌ The quote is wrong",
    "feedback_elsewhere": "🔎 The answer is elsewhere",
    "feedback_week": (
        "<b>Feedback, last 7 days</b>\n{answers} answer(s) sent; 👍 {up}, 👎 {down} "
        "(quote wrong: {wrong_quote}, answer elsewhere: {elsewhere}).\n"
        "storybot feedback --json exports them as an eval set."
    ),
    "inline_not_found": "Not found in the articles: tap to ask me in a chat",
    "inline_empty": "Type a question about the news: tap here for help",
    "link_reader": (
        "I answer questions from the articles I already have; I do not read links sent to me. Only the "
        "bot's admins can add an article, and I have passed this link on to them. Meanwhile, ask a question "
        "about the news, or type /sources to see the articles."
    ),
    "link_reader_no_admins": (
        "I answer questions from the articles I already have; I do not read links sent to me, and only the "
        "bot's admins can add an article. Ask a question about the news, or type /sources to see the articles."
    ),
    "link_suggested": "{user} sent me this link, which is not among the articles:\n{url}\nAdd it?",
    "link_add_button": "➕ Add this article",
    "link_gone": "This link is no longer kept; send it again (or /add it) to add it.",
    "not_found_hint": "Type /sources to see the articles I have.",
    "you_asked": "Question",
    "more": "continued",
    "full_paragraph": "Full paragraph {paragraph}",
    "ask_usage": "Type your question after the command, e.g.:\n/ask {example}",
    "empty_mention": "What would you like to ask about the articles? For example: {example}",
    "non_text": "I can only read text messages. Type a question about the articles, e.g.: {example}",
    "unknown_command": "I don't know that command. Type /help to see the commands.",
    "rate_limited": (
        "You are going a bit fast: at most {limit} questions, commands or taps a minute per person. Please "
        "try again in {seconds} seconds."
    ),
    "admins_only": "Sorry, only the bot's admins can use this command.",
    "upload_refused": (
        "Sorry, only the bot's admins can add articles. You can still ask about the articles I have "
        "(/sources)."
    ),
    "error": "Sorry, something went wrong while handling this message. Please try again in a few minutes.",
    "unavailable": "Sorry, the articles are not available right now. Please try again in a few minutes.",
    "paragraph_gone": "This article has changed or is no longer indexed. Ask again for fresh quotes.",
    "who_none": "No party speaks in the articles on this topic.",
    "who_topic": "The index holds several stories. Type a topic after the command, e.g.:\n/who {example}",
    "who_button": "{number}. {speaker}",
    "more_parties": "➕ {count} more parties",
    "more_quotes": "💬 More quotes",
    "button_stale": "This button is out of date. Type /start for fresh example questions.",
    "reindexing": "Updating the index…",
    "reindex_failed": "Could not update the index: {error}",
    "reindex_disk_full": (
        "Could not update the index: the disk is full. I keep answering from the previous index; free some "
        "space, then send /reindex."
    ),
    "reindex_error": (
        "Could not update the index because of an unexpected error (details in the bot's log). I keep "
        "answering from the previous index."
    ),
    "sources_header": "The articles I have ({count}), dated ones newest first, then undated ones by title:",
    "sources_page": (
        "The articles I have ({count}), dated ones newest first, then undated ones by title — page "
        "{page}/{pages}:"
    ),
    "sources_newer": "◀ Newer",
    "sources_older": "Older ▶",
    "sources_empty": "No articles are indexed yet.",
    "paragraph_chunks": "{chunks} passages",
    "upload_received": "Got {name}; saving and indexing it…",
    "upload_added": "Added “{title}” ({name}).",
    "upload_replaced": "Replaced {name} with the new version: “{title}”.",
    "upload_same": "{name} is already here with exactly this content; nothing to do.",
    "upload_exists": (
        "{name} already exists (“{old_title}”) with different content. Replace it with the new version "
        "(“{title}”)?"
    ),
    "upload_replace_button": "Replace it",
    "upload_keep_button": "Keep the old one",
    "upload_kept": "Kept the existing {name}; the new version was not saved.",
    "upload_expired": "This request has expired. Please send the file again.",
    "upload_bad_type": (
        "I only take articles as .txt or .md text files (UTF-8), title on the first line. This file is "
        "{name}."
    ),
    "upload_too_big": "{name} is too large ({size} KB); the limit is {limit} KB. Split the article into files.",
    "upload_too_big_telegram": (
        "{name} is larger than {mb} MB, the most Telegram lets a bot download; the limit for an article is "
        "{limit} KB. Split the article into files."
    ),
    "upload_disk_full": "Could not save {name}: the bot's disk is full. Free some space, then send the file again.",
    "upload_no_folder": (
        "Could not save {name}: the articles folder {folder} is gone. Create it again (or fix --articles), "
        "then send the file again."
    ),
    "upload_cannot_write": "Could not save {name} in {folder}: {reason}.",
    "upload_duplicate": "{name} has exactly the content of the existing article {existing}, so it was not saved again.",
    "upload_changed": (
        "{name} was edited after I asked, so I did not replace it (that edit would be lost). Send the file "
        "again if you still want to replace it."
    ),
    "upload_unusable": "Cannot use {name}: {reason}.",
    "upload_no_paragraphs": (
        "{name} has only a title and no paragraphs. Put the title on the first line and the article's text "
        "below it."
    ),
    "upload_failed": "Saved {name} but could not index it: {error}",
    "summary": (
        "The index has {articles} article(s), {chunks} passage(s) ({seconds:.1f} s).\nArticles: {added} "
        "added, {changed} changed, {removed} removed, {unchanged} unchanged.\nPassages: {embedded} new or "
        "changed ones read in, {reused} unchanged ones kept as they were."
    ),
    "summary_unchanged": "Nothing changed; the index is up to date: {articles} article(s), {chunks} passage(s).",
    "summary_reembedded": "Every article was indexed again: {why}.",
    "summary_skipped": "Skipped {file}: {reason}.",
    "summary_more_skipped": "… and {count} more skipped file(s) (see the log).",
    "start": (
        "<b>Hello!</b> I answer questions about news articles with quotes taken <b>word for word</b> from "
        "them, each with its source."
    ),
    "start_articles": "I have {count} article(s), for example:",
    "start_how": (
        "Just type a question, in Vietnamese (with or without diacritics) or English. In a group: use /ask "
        "question, mention me, or reply to my message."
    ),
    "start_examples": "Tap an example question to try:",
    "help": (
        "<b>How to use</b>\nType a question about the articles (Vietnamese with or without diacritics, or "
        "English); I answer with quotes taken word for word, with the article and paragraph number. The "
        "buttons under an answer show the whole paragraph.\nIn a group: /ask question, mention me, or reply "
        "to my message.\n\n<b>Commands</b>\n/ask question — ask\n/who [topic] — the parties: who accused, who "
        "denied, who said what, with a map\n/stories — the stories\n/timeline [number or topic] — who said "
        "what, day by day\n/follow [number or topic] — follow a story, told when new articles come "
        "(/following, /unfollow)\n/sources — the articles I have\n/start — introduction and example "
        "questions\n/help — this help\n/reindex — update the index (admins)"
    ),
    "help_admin": (
        "<b>Admins</b>\nSend a .txt or .md file (UTF-8, title on the first line, at most {limit} KB) to add "
        "an article; I save and index it at once. /reindex updates the index after the articles folder "
        "changed."
    ),
    "help_admin_web": (
        "Send an article's link (or /add link) to add it from the web. /follow RSS-link follows a feed and "
        "adds its new articles by itself; /feeds lists the feeds, /unfollow drops one."
    ),
}

# The bot's command menu (setMyCommands).
COMMANDS = (
    ("ask", "Ask about the articles"),
    ("who", "The parties: who accused, who denied"),
    ("sources", "The articles I have"),
    ("new", "Start a new conversation"),
    ("help", "How to use the bot"),
    ("stories", "The stories"),
    ("timeline", "A story's statements, day by day"),
    ("follow", "Follow a story"),
    ("following", "The stories you follow"),
    ("start", "Introduction and example questions"),
    ("add", "Add an article by its link (admins)"),
    ("reindex", "Update the index (admins)"),
    ("feeds", "The followed news feeds (admins)"),
    ("feedback", "Readers' votes this week (admins)"),
)

# Adding articles by link, file or feed: outcomes and problems (plain text).
INGEST = {
    "not_http": "{url} is not an http(s) web address. Send a link that starts with https://",
    "bad_url": "{url} is not a valid link. Copy the article's full address again.",
    "private_address": (
        "{url} points to a private address ({address}); I only fetch public web pages (unless the operator "
        "allows them: --allow-private-urls or STORYBOT_ALLOW_PRIVATE_URLS=1)."
    ),
    "unreachable": "Could not fetch {url}: {reason}. Check the link or try again later.",
    "http_error": "The page {url} answered with HTTP error {status}; check the link.",
    "too_many_redirects": "{url} redirects more than {limit} times; send the article's final address.",
    "not_html": "{url} is not a web page (HTML) but {kind}. Send the link of the article's page.",
    "not_feed": (
        "{url} is not an RSS/Atom feed ({reason}). Sites usually link their RSS feeds at the bottom of the "
        "page or on an RSS page."
    ),
    "too_large": "The page {url} is too large (over {limit} MB); I do not fetch pages that big.",
    "undecodable": "Cannot read the text of {url}: its character set {charset} is unusable.",
    "unreadable_page": "Could not take the story out of {url}; the page is built in an unusual way.",
    "cannot_save": "Could not save the article from {url} as {file} ({reason}). Check the articles folder.",
    "too_little_text": (
        "The page {url} has too little text to be an article ({chars} characters). It may be a home page, a "
        "section page, or behind a login."
    ),
    "added": "Added “{title}” ({paragraphs} paragraphs{when}).",
    "duplicate_url": "Already here (same address): “{title}” ({file}).",
    "duplicate_text": "This text is already here as “{title}” ({file}); not added again.",
    "following": "Following “{title}” ({entries} entries in the feed). New entries are added every {minutes} minutes.",
    "already_following": "Already following “{title}”.",
    "file_upload_too_big": "{file} is {size} KB; an article file may be at most {limit} KB.",
    "file_upload_unusable": "{file} cannot be an article: {reason}.",
    "file_upload_no_paragraphs": "{file} has no paragraph of text to quote.",
    "file_taken": "{file}: another article is already saved as {name}. Rename the file or edit that article.",
    "unfollowed": "Stopped following “{title}”. The articles added from it are kept.",
    "not_following": "No feed {url} is followed. Type /feeds to see the followed feeds.",
    "feeds_empty": "No feeds are followed yet. Use /follow RSS-link to add one.",
    "feeds_header": "Followed feeds ({count}):",
    "feed_line": "{title} — {url}\n    {added} article(s) added; {status}",
    "feed_ok": "last checked {checked}",
    "feed_never": "not checked yet",
    "feed_failing": "failed {failures} time(s) in a row ({error}); next try {retry}",
    "feed_added": "Feed “{feed}”: added {count} new article(s):",
    "feed_failed": "Feed “{feed}” is failing: {error}. Next try {retry}.",
    "feed_round": "Feed “{feed}”: {counts}:",
    "feed_last_round": "latest new entries ({when}): {counts}",
    "count_added": "{count} added",
    "count_present": "{count} already here",
    "count_refused": "{count} refused",
    "count_retry": "{count} to be tried again",
    "entry_present": "“{entry}”: {detail}",
    "entry_present_as": "“{entry}” already here as {file} ({how})",
    "same_address": "same address",
    "same_text": "same text",
    "entry_refused": "“{entry}” not added: {error}",
    "entry_gave_up": "“{entry}” not added after {tries} tries: {error}",
    "entry_retry": "“{entry}” not added yet (try {tries}): {error} Next try {retry}.",
    "entry_waiting": "“{entry}” waits for its next try at {retry} ({error})",
    "entry_deferred": "“{entry}” waits for the next round (at most {limit} entries a round), about {retry}.",
    "entry_no_link": "the feed entry has no link to an article.",
    "add_usage": "Send the article's link after the command, e.g.:\n/add https://vnexpress.net/article.html",
    "follow_usage": (
        "Send the RSS/Atom feed's link after the command, e.g.:\n/follow "
        "https://vnexpress.net/rss/the-gioi.rss"
    ),
    "unfollow_usage": "Send the feed's link after the command, e.g.:\n/unfollow https://vnexpress.net/rss/the-gioi.rss",
    "fetching": "Fetching {count} link(s)…",
    "too_many_links": (
        "I take {limit} links at a time; the last {dropped} were not added. Send them in another message."
    ),
    "index_failed": "Saved, but could not update the index: {error}",
    "round_nothing": "No new entries in {feeds} feed(s).",
    "reason_dns": "the name {host} does not resolve",
    "reason_timeout": "no answer within {seconds} s",
    "reason_tls": "its HTTPS certificate is not valid",
    "reason_refused": "{host} refused the connection",
    "reason_closed": "the server closed the connection",
    "reason_web_page": "it is a web page",
    "reason_no_feed_content": "no RSS or Atom content in it",
}

# The terminal chat (storybot chat), in the language of the conversation (plain text).
CHAT = {
    "new": "New conversation: the next question is read on its own.",
    "welcome": "Ask about {count} article(s), e.g. {titles}.",
    "how": (
        "Type a question and press Enter (Vietnamese, with or without diacritics, or English). /help lists "
        "the commands; Ctrl-D quits."
    ),
    "help": (
        "Type a question and press Enter; answers are quotes taken word for word from the articles, grouped "
        "under each article's title with the paragraph number."
    ),
    "keys": "Arrow keys edit the line and recall earlier questions; Ctrl-C clears the line; Ctrl-D or /quit quits.",
    "unknown": "Unknown command {command}. Type /help to see the commands.",
    "sources_header": "The articles ({count}), dated ones newest first, then undated ones by title:",
    "sources_empty": "No articles are indexed yet.",
    "not_found_hint": "Type /sources to see the articles.",
    "interrupted": "(interrupted)",
    "error": "error: {error}",
    "who_topic": "The articles hold several stories: name one after the command, e.g. /who {example}",
    "language_set": "From now on I speak English.",
    "language_usage": "Type /language en for English or /language vi for Vietnamese.",
    "cmd_help": "this help",
    "cmd_sources": "the articles I have",
    "cmd_who": "who accused whom, said or did what (optionally about a topic)",
    "cmd_new": "start a new conversation: the next question is read on its own",
    "cmd_language": "speak English (/language en) or Vietnamese (/language vi)",
    "cmd_quit": "leave the chat (or Ctrl-D)",
}


# The summary of an index build or update (storybot index, add, ingest; plain text).
SUMMARY = {
    "unchanged": "Nothing changed; the index is up to date: {articles} article(s), {chunks} chunk(s) "
    "(checked in {seconds} s).",
    "indexed": "Indexed {articles} article(s), {chunks} chunk(s) in {seconds} s.",
    "articles": "Articles: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.",
    "chunks": "Chunks: {embedded} embedded, {reused} reused.",
    "reembedded": "Every article was indexed again: {why}.",
    "merged": "Merged {merged} index segments into fewer in {seconds} s.",
    "skipped": "Skipped {file}: {reason}.",
    "reason_empty": "the file is empty; write the article text into it or delete it",
    "reason_too_large": "the file is larger than {mb} MB; split it",
    "reason_binary": "the file is not text (a picture or a program, perhaps); save the article as UTF-8 text",
    "reason_not_utf8": "line {line} is not valid UTF-8 (byte {byte}); re-save the file as UTF-8",
    "reason_no_text": "the file has no text",
    "reason_unreadable": "the file cannot be read ({error})",
    "reason_disk_full": "the disk is full",
    "reason_no_folder": "the articles folder is gone",
    "reason_os_error": "{error}",
    "reason_current_unreadable": "the previous index could not be read (its CURRENT file is unreadable)",
    "reason_manifest_unreadable": "the previous index could not be read (the manifest of {generation} is missing "
    "or damaged)",
    "reason_index_unreadable": "the previous index could not be read ({error})",
    "reason_model_changed": "the model changed ({old} -> {new})",
    "reason_prompts_changed": "the model prompts changed",
    "reason_format_changed": "the index format changed (version {old} -> {new})",
    "interrupted": "Stopped. The index is as it was before this run and still answers; articles already "
    "saved stay in the articles folder. Run storybot index to finish.",
}

# Stories, their timelines, maps and alerts (storybot stories / timeline / who --png, /timeline, /follow).
STORIES = {
    "list_header": "Stories ({count}):",
    "none": "No stories yet: add some articles.",
    "line": "#{id} {name} — {articles} article(s){dates}",
    "not_found": "No story about “{words}” found. Type /stories to see the stories.",
    "timeline_header": "Timeline: {name}",
    "undated": "Date not stated (neither the sentence nor the article gives one)",
    "no_statements": "The articles of this story quote no one yet.",
    "page": "page {page}/{pages}",
    "previous": "‹ Previous",
    "next": "Next ›",
    "map_caption": "Who said what to whom: {name}",
    "map_more": "+{count} more",
    "map_none": "No party has spoken yet: there is no map to draw.",
    "timeline_updated": "(The story has new articles since the last page was sent: this is its latest timeline.)",
    "timeline_gone": "This story is no longer in the index: type /stories to see the current stories.",
    "statement_source": "{title}, paragraph {paragraph}",
    "more_stories": "… and {count} more stories.",
    "alert_header": "News in a story you follow: {name}",
    "following_header": "You follow {count} stor(ies):",
    "following_none": "You follow no story yet. Type /follow with a story's number or a few words naming it.",
    "follow_usage": "Type /follow with a story's number (see /stories) or a few words naming it, e.g. /follow 1.",
    "followed": (
        "Following story #{id} {name}. When new articles come, I send their new statements "
        "(/unfollow {id} stops)."
    ),
    "already_followed": "You already follow story #{id} {name}.",
    "unfollowed": "No longer following story #{id} {name}.",
    "not_followed": "You follow no such story. Type /following to see the list.",
    "follow_button": "🔔 Follow this story",
    "follow_admins": "In a group, only the group's admins can follow a story.",
}
