-- EXPLAIN (ANALYZE, BUFFERS) of the conversation list, message history, sync and send statements
-- on a database with 1,000,000 messages. Results and their reading: docs/query-plans.md.
-- The statements are the repositories' own, as generated into apps/api/src/queries/ (prepared
-- there under their names); this script only supplies the data and the values.
--
-- Run it against a scratch database (the name must contain "explain"; the script TRUNCATEs
-- every Parley table first, so it is re-runnable but must never touch real data):
--
--   createdb -h 127.0.0.1 -U postgres parley_explain
--   for migration in apps/api/drizzle/*.sql; do
--     psql -h 127.0.0.1 -U postgres -d parley_explain -v ON_ERROR_STOP=1 -f "$migration"
--   done
--   psql -h 127.0.0.1 -U postgres -d parley_explain -v ON_ERROR_STOP=1 -f apps/api/scripts/explain-queries.sql
--   dropdb -h 127.0.0.1 -U postgres parley_explain
--
-- Data shape: 10,000 users; 20,000 conversations (17,600 direct, 2,400 groups of 5-50);
-- ~100,000 conversation_members rows; exactly 1,000,000 messages, skewed: 25 conversations hold
-- 10,000-20,000 messages each, ~10% of the rest none, the rest a log-uniform 1..~150 scaled to
-- the total. Seq is 1..n per conversation, gapless; conversations.last_seq / last_message_at /
-- updated_at agree with the messages (checked below). Messages are inserted in global time
-- order, as production would write them, so one conversation's messages are scattered over the
-- heap (the history plans' buffer counts are realistic, not flattered by clustering).
--
-- Two users are placed on purpose:
--   alice (user 1): 60 conversations (40 direct, 20 groups, one group with 15,000 messages),
--                   so the list has a first page of 50 (limit 51) and a second page of 10;
--   bob   (user 2): 2,000 conversations (1,500 direct, 500 groups): the stress case for the list.
--
-- Each EXPLAIN runs twice: the first run (output discarded) warms the cache, the second is shown.

\set ON_ERROR_STOP on
\pset pager off

select current_database() ~ 'explain' as is_scratch_database \gset
\if :is_scratch_database
\else
  do $$ begin raise exception 'refusing to run: the database name must contain "explain" (this script truncates every table)'; end $$;
\endif

\echo '== generating data'
\timing on
set work_mem = '256MB';
set maintenance_work_mem = '512MB';
select setseed(0.4242);

truncate message_reactions, message_mentions, messages, conversation_members, conversations,
  refresh_tokens, users;

-- "Now" of the data set, fixed so that the data shape is the same on every run.
\set t_now '''2025-06-01 12:00:00+00''::timestamptz'

-- A UUID v7 from a timestamp, as the server makes message ids (uuidv7 package).
create or replace function pg_temp.uuid_v7(ts timestamptz) returns uuid language sql volatile as $$
  select (lpad(to_hex(floor(extract(epoch from ts) * 1000)::bigint), 12, '0')
          || '7' || substr(md5(random()::text), 1, 3)
          || substr('89ab', 1 + floor(random() * 4)::int, 1)
          || substr(md5(random()::text), 1, 15))::uuid
$$;

-- Users ---------------------------------------------------------------------------------------
drop table if exists g_users;
create temp table g_users as
  select n, gen_random_uuid() as id from generate_series(1, 10000) n;
alter table g_users add primary key (n);

insert into users (id, username, display_name, password_hash, created_at)
select id,
       case n when 1 then 'alice' when 2 then 'bob' else 'user' || lpad(n::text, 5, '0') end,
       case n when 1 then 'Alice' when 2 then 'Bob' else 'User ' || n end,
       '$argon2id$v=19$m=19456,t=2,p=1$' || substr(md5(n::text), 1, 22) || '$' || md5(id::text),
       :t_now - interval '500 days' + n * interval '1 hour'
from g_users;

-- Conversations -------------------------------------------------------------------------------
-- n 1..40: alice's directs (with users 3..42); 41..1540: bob's directs (with users 3..1502);
-- 1541..17600: random pairs of other users; 17601..17620: alice's groups (she owns them);
-- 17621..18120: bob's groups (a member); 18121..20000: groups of others.
drop table if exists g_convs;
create temp table g_convs as
  select n,
         gen_random_uuid() as id,
         case when n <= 17600 then 'direct' else 'group' end as type,
         case when n <= 17600 then 2 else 5 + floor(random() * 46)::int end as size,
         date_trunc('milliseconds', :t_now - interval '30 days' - random() * interval '335 days')
           as created_at,
         0::bigint as msg_count,
         null::timestamptz as last_at
  from generate_series(1, 20000) n;
alter table g_convs add primary key (n);

-- Message counts: 25 hot conversations of 10,000-20,000 (alice's group 17601: exactly 15,000,
-- alice's direct 1: 12,000; 8 of bob's groups; 15 random others).
update g_convs set msg_count = 15000 where n = 17601;
update g_convs set msg_count = 12000 where n = 1;
update g_convs set msg_count = 10000 + floor(random() * 10001)
where n in (17621, 17622, 17623, 17624, 17625, 17626, 17627, 17628)
   or n in (select n from g_convs where n > 1540 and n not between 17601 and 18120
            order by random() limit 15);
-- The rest: ~10% silent, the others log-uniform weights scaled so the total is 1,000,000.
with rest as (
  select n, case when random() < 0.10 then 0 else exp(random() * 5) end as w
  from g_convs where msg_count = 0
), total as (
  select 1000000 - (select sum(msg_count) from g_convs) as remaining, sum(w) as sum_w from rest
)
update g_convs g set msg_count = floor(rest.w * total.remaining / total.sum_w)
from rest, total where g.n = rest.n;
-- The rounding left-over: one more message each for that many random non-hot conversations.
update g_convs set msg_count = msg_count + 1
where n in (select n from g_convs where msg_count between 1 and 9999 order by random()
            limit (select 1000000 - sum(msg_count) from g_convs));

-- Last activity: skewed towards recent, hot conversations within the last hours.
update g_convs set last_at = case
    when msg_count = 0 then null
    when msg_count >= 10000 then :t_now - random() * interval '6 hours'
    else greatest(created_at + interval '1 minute', :t_now - power(random(), 3) * interval '60 days')
  end;

-- Members -------------------------------------------------------------------------------------
drop table if exists g_members;
create temp table g_members (conv_n int, user_n int, role text, ord int);
insert into g_members                                   -- alice's directs
  select n, 1, 'member', 1 from g_convs where n between 1 and 40
  union all select n, n + 2, 'member', 2 from g_convs where n between 1 and 40;
insert into g_members                                   -- bob's directs
  select n, 2, 'member', 1 from g_convs where n between 41 and 1540
  union all select n, n - 38, 'member', 2 from g_convs where n between 41 and 1540;
insert into g_members                                   -- other directs: distinct random pairs
  select conv_n, user_n, 'member', ord from (
    select 1540 + row_number() over (order by random())::int as conv_n, a, b
    from (select distinct least(a, b) as a, greatest(a, b) as b
          from (select 3 + floor(random() * 9998)::int as a, 3 + floor(random() * 9998)::int as b
                from generate_series(1, 17000)) p
          where a <> b) d
  ) pairs
  cross join lateral (values (pairs.a, 1), (pairs.b, 2)) m(user_n, ord)
  where conv_n <= 17600;
insert into g_members                                   -- group owners
  select n, case when n between 17601 and 17620 then 1 else 3 + floor(random() * 9998)::int end,
         'owner', 1
  from g_convs where type = 'group';
insert into g_members                                   -- bob in his groups
  select n, 2, 'member', 2 from g_convs where n between 17621 and 18120;
insert into g_members                                   -- everyone else, random, a few admins
  select g.n, 3 + floor(random() * 9998)::int,
         case when random() < 0.05 then 'admin' else 'member' end, 2 + k
  from g_convs g cross join lateral generate_series(1, g.size - 1 - (g.n between 17621 and 18120)::int) k
  where g.type = 'group';
-- Random picks may repeat a user in a group: keep the first.
delete from g_members a using g_members b
where a.conv_n = b.conv_n and a.user_n = b.user_n and a.ord > b.ord;

-- direct_key is "<smaller user id>:<larger user id>", as findOrCreateDirect builds it.
-- No message has changed yet: last_rev = last_seq, and each message's rev is its seq.
insert into conversations
  (id, type, name, direct_key, last_seq, last_rev, last_message_at, created_at, updated_at)
select g.id, g.type, case when g.type = 'group' then 'Group ' || g.n end, k.direct_key, g.msg_count,
       g.msg_count, null, g.created_at, g.created_at
from g_convs g
left join (select m.conv_n, string_agg(u.id::text, ':' order by u.id::text collate "C") as direct_key
           from g_members m join g_users u on u.n = m.user_n
           where m.conv_n <= 17600 group by m.conv_n) k on k.conv_n = g.n;

-- Watermarks: 70% of members are caught up, the others up to 60 behind; delivered >= read.
insert into conversation_members
  (conversation_id, user_id, role, last_read_seq, last_delivered_seq, joined_at)
select g.id, u.id, m.role, w.read_seq, least(g.msg_count, w.read_seq + floor(random() * 3)::int),
       g.created_at + (m.ord - 1) * interval '1 second'
from g_members m
join g_convs g on g.n = m.conv_n
join g_users u on u.n = m.user_n
cross join lateral (
  select greatest(0, g.msg_count - case when random() < 0.7 then 0
                                        else floor(random() * 61)::int end) as read_seq
) w;

-- Messages ------------------------------------------------------------------------------------
drop table if exists g_senders;
create temp table g_senders as
  select g.n, g.id, g.created_at, g.last_at, g.msg_count, array_agg(u.id order by m.ord) as senders
  from g_convs g join g_members m on m.conv_n = g.n join g_users u on u.n = m.user_n
  where g.msg_count > 0
  group by g.n, g.id, g.created_at, g.last_at, g.msg_count;

\set lorem '''Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum. Curabitur pretium tincidunt lacus, nulla gravida orci a odio.'''

insert into messages
  (id, conversation_id, seq, rev, sender_id, client_msg_id, content, type, created_at)
select pg_temp.uuid_v7(t.ts), s.id, q.seq, q.seq,
       s.senders[1 + floor(random() * cardinality(s.senders))::int],
       gen_random_uuid(),
       substr(:lorem, 1 + floor(random() * 300)::int, 8 + floor(random() * 150)::int),
       'text', t.ts
from g_senders s
cross join lateral generate_series(1, s.msg_count) q(seq)
cross join lateral (
  select date_trunc('milliseconds',
                    s.created_at + (s.last_at - s.created_at) * (q.seq::float8 / s.msg_count)) as ts
) t
order by t.ts, s.n, q.seq;

-- Conversations agree with their messages.
update conversations c
set last_message_at = m.created_at, updated_at = m.created_at
from messages m where m.conversation_id = c.id and m.seq = c.last_seq;

-- Changes (contract section 6): 1% of messages deleted (tombstones; their rev is left at their
-- send's, which no plan here depends on), and mentions: each message not deleted in a group
-- mentions one other member with a chance of 5%, and alice in 10% of the messages of her
-- conversations she did not send.
update messages set deleted_at = created_at + interval '1 minute', content = ''
where random() < 0.01;
insert into message_mentions (conversation_id, user_id, seq)
select msg.conversation_id, mentioned.user_id, msg.seq
from messages msg
join conversations c on c.id = msg.conversation_id and c.type = 'group'
cross join lateral (
  select user_id from conversation_members
  where conversation_id = msg.conversation_id and user_id <> msg.sender_id
  order by md5(user_id::text || msg.seq) limit 1
) mentioned
where msg.deleted_at is null and random() < 0.05
union
select msg.conversation_id, m.user_id, msg.seq
from conversation_members m
join users u on u.id = m.user_id and u.username = 'alice'
join messages msg on msg.conversation_id = m.conversation_id
where msg.deleted_at is null and msg.sender_id <> m.user_id and random() < 0.1;
-- Some groups were renamed or changed members after their last message.
update conversations set updated_at = least(updated_at + random() * interval '2 days', :t_now)
where type = 'group' and random() < 0.05;

do $$
declare bad bigint; total bigint;
begin
  select count(*) into total from messages;
  if total <> 1000000 then raise exception 'expected 1,000,000 messages, got %', total; end if;
  select count(*) into bad
  from conversations c
  left join (select conversation_id, count(*) as n, min(seq) as lo, max(seq) as hi
             from messages group by conversation_id) m on m.conversation_id = c.id
  where coalesce(m.n, 0) <> c.last_seq
     or (m.n > 0 and (m.lo <> 1 or m.hi <> c.last_seq))
     or (c.last_seq > 0 and c.last_message_at is null)
     or c.updated_at < coalesce(c.last_message_at, c.created_at);
  if bad > 0 then raise exception '% conversations disagree with their messages', bad; end if;
end $$;

reset work_mem;
reset maintenance_work_mem;
vacuum (analyze) users, conversations, conversation_members, messages, message_mentions;
\timing off

\echo '== data shape'
select (select count(*) from users) as users,
       (select count(*) from conversations) as conversations,
       (select count(*) from conversations where type = 'direct') as direct,
       (select count(*) from conversations where type = 'group') as groups,
       (select count(*) from conversation_members) as members,
       (select count(*) from messages) as messages,
       (select count(*) from messages where deleted_at is not null) as deleted,
       (select count(*) from message_mentions) as mentions,
       (select count(*) from conversations where last_seq >= 10000) as over_10k_messages,
       (select count(*) from conversations where last_seq = 0) as without_messages,
       (select max(last_seq) from conversations) as max_messages,
       (select percentile_disc(0.5) within group (order by last_seq) from conversations) as median_messages;
select u.username, count(*) as conversations
from conversation_members m join users u on u.id = m.user_id
where u.username in ('alice', 'bob') group by u.username order by 1;
select relname, pg_size_pretty(pg_total_relation_size(oid)) as total_size,
       pg_size_pretty(pg_relation_size(oid)) as heap_size
from pg_class
where relname in ('messages', 'messages_pkey', 'messages_conversation_seq_key',
                  'messages_sender_client_msg_key', 'conversations', 'conversation_members',
                  'conversation_members_user_idx', 'conversation_members_conversation_id_user_id_pk')
order by pg_relation_size(oid) desc;

-- Values for the statements -----------------------------------------------------------------
select id as alice_id from users where username = 'alice' \gset
select id as bob_id from users where username = 'bob' \gset
select c.id as hot_id, c.last_seq as hot_last_seq
from conversations c join conversation_members m on m.conversation_id = c.id
where m.user_id = :'alice_id' and c.last_seq = 15000 \gset
-- The cursor the API hands out after alice's first page of 50: `${updatedAt}|${id}` of row 50.
select to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as cursor_updated_at,
       c.id as cursor_id
from conversation_members viewer join conversations c on c.id = viewer.conversation_id
where viewer.user_id = :'alice_id'
order by c.updated_at desc, c.id desc offset 49 limit 1 \gset
select to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as bob_cursor_updated_at,
       c.id as bob_cursor_id
from conversation_members viewer join conversations c on c.id = viewer.conversation_id
where viewer.user_id = :'bob_id'
order by c.updated_at desc, c.id desc offset 999 limit 1 \gset
select :hot_last_seq - 200 as after_seq \gset
-- Bob's client knows every conversation up to 2 messages before its end (JSON.stringify(cursors)).
select json_agg(json_build_object('conversationId', c.id, 'seq', greatest(c.last_seq - 2, 0)))::text
         as bob_cursors
from conversation_members m join conversations c on c.id = m.conversation_id
where m.user_id = :'bob_id' \gset
-- The same with revs (a v2 client): nothing changed, so `updated` finds nothing.
select json_agg(json_build_object('conversationId', c.id, 'seq', greatest(c.last_seq - 2, 0),
                                  'rev', greatest(c.last_rev - 2, 0)))::text
         as bob_rev_cursors
from conversation_members m join conversations c on c.id = m.conversation_id
where m.user_id = :'bob_id' \gset
\echo alice_id=:alice_id bob_id=:bob_id hot_id=:hot_id hot_last_seq=:hot_last_seq
\echo cursor=:cursor_updated_at|:cursor_id after_seq=:after_seq

\pset format unaligned
\pset tuples_only on

-- The repositories' statements, prepared. Each EXPLAIN plans for its values, as for a literal
-- statement, not the generic plan PostgreSQL may switch to after five executions.
\o /dev/null
\ir ../src/queries/conversations.repository.sql
\ir ../src/queries/messages.repository.sql
\ir ../src/queries/unread.repository.sql
\o
set plan_cache_mode = force_custom_plan;

\echo
\echo '== Q1 GET /conversations, alice (60 conversations), first page: listViews(alice, 51)'
\o /dev/null
explain (analyze, buffers) execute conversations_list_views(:'alice_id', 51);
\o
\g

\echo
\echo '== Q2 GET /conversations?before=<cursor>, alice, second page: listViews(alice, 51, cursor)'
\o /dev/null
explain (analyze, buffers)
  execute conversations_list_views_before(:'alice_id', :'cursor_updated_at', :'cursor_id', 51);
\o
\g

\echo
\echo '== Q3 GET /conversations, bob (2,000 conversations), first page: listViews(bob, 51)'
\o /dev/null
explain (analyze, buffers) execute conversations_list_views(:'bob_id', 51);
\o
\g

\echo
\echo '== Q4 GET /conversations/:id/messages, latest page (15,000-message conversation): page(id, {}, 51)'
\o /dev/null
explain (analyze, buffers) execute messages_page_latest(:'hot_id', 51);
\o
\g

\echo
\echo '== Q5 GET /conversations/:id/messages?before=5000, 10,000 messages deep: page(id, {before: 5000}, 51)'
\o /dev/null
explain (analyze, buffers) execute messages_page_before(:'hot_id', 5000, 51);
\o
\g

\echo
\echo '== Q6 GET /conversations/:id/messages?after=<last_seq - 200>: page(id, {after}, 51)'
\o /dev/null
explain (analyze, buffers) execute messages_page_after(:'hot_id', :after_seq, 51);
\o
\g

\echo
\echo '== Q7 sync on reconnect, alice (60 conversations, no cursors): messagesSince(alice, [], 50)'
\o /dev/null
explain (analyze, buffers) execute messages_messages_since('[]', :'alice_id', 50, 51, 51);
\o
\g

\echo
\echo '== Q7b sync on reconnect, bob (2,000 conversations, no cursors): messagesSince(bob, [], 50)'
\o /dev/null
explain (analyze, buffers) execute messages_messages_since('[]', :'bob_id', 50, 51, 51);
\o
\g

\echo
\echo '== Q7c sync on reconnect, bob, with a cursor 2 behind in each of his 2,000 conversations'
\o /dev/null
explain (analyze, buffers) execute messages_messages_since(:'bob_cursors', :'bob_id', 50, 51, 51);
\o
\g

\echo
\echo '== Q8 send of one message (the batch statement with one item), inside a rolled-back transaction'
select json_build_array(json_build_object(
  'ordinal', 0, 'id', gen_random_uuid(), 'conversationId', :'hot_id', 'senderId', :'alice_id',
  'clientMsgId', gen_random_uuid(), 'content', 'hello')) as send_one \gset
-- The warm-up run is rolled back, so `\g` cannot repeat it (it would repeat the rollback).
begin;
\o /dev/null
explain (analyze, buffers) execute messages_send(:'send_one');
\o
rollback;
begin;
explain (analyze, buffers) execute messages_send(:'send_one');
rollback;

\echo
\echo '== Q8b send of a batch: 100 messages, 2 senders in each of 50 conversations, rolled back'
select json_agg(json_build_object(
  'ordinal', n - 1, 'id', gen_random_uuid(), 'conversationId', conversation_id,
  'senderId', user_id, 'clientMsgId', gen_random_uuid(), 'content', 'hello') order by n)
  as send_batch
from (
  select conversation_id, user_id, row_number() over (order by md5(user_id::text)) as n
  from (
    select conversation_id, user_id,
      row_number() over (partition by conversation_id order by user_id) as member_number
    from conversation_members
    where request_state is null
      and conversation_id in (select id from conversations order by md5(id::text) limit 50)
  ) members
  where member_number <= 2
) sends \gset
begin;
\o /dev/null
explain (analyze, buffers) execute messages_send(:'send_batch');
\o
rollback;
begin;
explain (analyze, buffers) execute messages_send(:'send_batch');
rollback;

\echo
\echo '== Q7d sync on reconnect, bob, v2 cursors (seq and rev 2 behind) in his 2,000 conversations'
\o /dev/null
explain (analyze, buffers) execute messages_messages_since(:'bob_rev_cursors', :'bob_id', 50, 51, 51);
\o
\g

-- Message changes (issue 12), on the hot conversation's last message after 1,000 members of the
-- database reacted to it with one emoji (each its own rev), all rolled back at the end. Each
-- change is explained twice inside a savepoint that is rolled back: the first run warms up.
begin;
select :hot_last_seq as change_seq \gset
-- Background: one message in twenty has a 👍 of its sender (~50,000 rows), so the reactions
-- table is not just the one message's.
insert into message_reactions (conversation_id, seq, emoji, user_id, rev, emoji_rev)
select conversation_id, seq, '👍', sender_id, rev, rev from messages
where random() < 0.05 and not (conversation_id = :'hot_id' and seq = :change_seq);
insert into message_reactions (conversation_id, seq, emoji, user_id, rev, emoji_rev)
select :'hot_id', :change_seq, '🎉', u.id, :hot_last_seq + u.n, :hot_last_seq + 1
from (select id, row_number() over (order by id) as n from users
      where id <> :'alice_id' order by id limit 1000) u;
update messages set rev = :hot_last_seq + 1000
where conversation_id = :'hot_id' and seq = :change_seq;
update conversations set last_rev = :hot_last_seq + 1000 where id = :'hot_id';
analyze message_reactions;

\echo
\echo '== Q9 message:react, alice puts 🎉 on the message with 1,000 reactors: react(...)'
savepoint change;
\o /dev/null
explain (analyze, buffers) execute messages_react(
  :'hot_id', :change_seq, :'hot_id', :change_seq, :'hot_id', :change_seq, '🎉', :'alice_id',
  :'hot_id', :change_seq, '🎉', true, true, :'hot_id', :change_seq, 20, :'hot_id', :'hot_id',
  :change_seq, :'hot_id', :change_seq, '🎉', :'alice_id', true, :'hot_id', :change_seq, '🎉',
  :'alice_id', true);
\o
rollback to savepoint change;
explain (analyze, buffers) execute messages_react(
  :'hot_id', :change_seq, :'hot_id', :change_seq, :'hot_id', :change_seq, '🎉', :'alice_id',
  :'hot_id', :change_seq, '🎉', true, true, :'hot_id', :change_seq, 20, :'hot_id', :'hot_id',
  :change_seq, :'hot_id', :change_seq, '🎉', :'alice_id', true, :'hot_id', :change_seq, '🎉',
  :'alice_id', true);
rollback to savepoint change;

\echo
\echo '== Q10 message:edit of that message by its sender: edit(...)'
select sender_id as change_sender from messages
where conversation_id = :'hot_id' and seq = :change_seq \gset
savepoint change;
\o /dev/null
explain (analyze, buffers) execute messages_edit(
  :'hot_id', :change_seq, :'hot_id', :change_seq, :'change_sender', 'edited', '{}', '{}',
  :'hot_id', 'edited', '{}', :'hot_id', :change_seq, :'hot_id', :change_seq, '{}', :'hot_id',
  :change_seq, '{}');
\o
rollback to savepoint change;
explain (analyze, buffers) execute messages_edit(
  :'hot_id', :change_seq, :'hot_id', :change_seq, :'change_sender', 'edited', '{}', '{}',
  :'hot_id', 'edited', '{}', :'hot_id', :change_seq, :'hot_id', :change_seq, '{}', :'hot_id',
  :change_seq, '{}');
rollback to savepoint change;

\echo
\echo '== Q11 message:delete of that message (its 1,000 reactions go): delete(...)'
savepoint change;
\o /dev/null
explain (analyze, buffers) execute messages_delete(
  :'hot_id', :change_seq, :'hot_id', :change_seq, null, null, :'hot_id', :'hot_id', :change_seq,
  :'hot_id', :change_seq, :'hot_id', :change_seq);
\o
rollback to savepoint change;
explain (analyze, buffers) execute messages_delete(
  :'hot_id', :change_seq, :'hot_id', :change_seq, null, null, :'hot_id', :'hot_id', :change_seq,
  :'hot_id', :change_seq, :'hot_id', :change_seq);
rollback to savepoint change;

\echo
\echo '== Q12 GET /conversations/:id/messages/:seq of that message: findBySeq(id, seq)'
\o /dev/null
explain (analyze, buffers) execute messages_find_by_seq(:'hot_id', :change_seq);
\o
\g

\echo
\echo '== Q13 latest history page, that message (1,000 reactors) on it: page(id, {}, 51)'
\o /dev/null
explain (analyze, buffers) execute messages_page_latest(:'hot_id', 51);
\o
\g
rollback;

\echo
\echo '== Q14 read receipt with exact counts: alice reads the hot conversation from 5,000 behind to 1,000 behind (advanceWatermarks, then readCounts, rolled back)'
select json_build_array(json_build_object(
  'ordinal', 0, 'conversationId', :'hot_id', 'userId', :'alice_id',
  'readSeq', :hot_last_seq - 1000, 'deliveredSeq', :hot_last_seq - 1000)) as read_one \gset
select json_build_array(json_build_object(
  'ordinal', 0, 'conversationId', :'hot_id', 'userId', :'alice_id',
  'lastReadSeq', :hot_last_seq - 1000)) as read_state \gset
begin;
update conversation_members set last_read_seq = :hot_last_seq - 5000, last_delivered_seq = :hot_last_seq - 5000
where conversation_id = :'hot_id' and user_id = :'alice_id';
\o /dev/null
explain (analyze, buffers) execute messages_advance_watermarks(:'read_one');
explain (analyze, buffers) execute messages_read_counts(:'read_state');
\o
rollback;
begin;
update conversation_members set last_read_seq = :hot_last_seq - 5000, last_delivered_seq = :hot_last_seq - 5000
where conversation_id = :'hot_id' and user_id = :'alice_id';
explain (analyze, buffers) execute messages_advance_watermarks(:'read_one');
explain (analyze, buffers) execute messages_read_counts(:'read_state');
rollback;

\echo
\echo '== Q15 counts after a delete: the members of the hot conversation who had not read its latest message (afterDelete)'
select m.sender_id as hot_sender_id from messages m
where m.conversation_id = :'hot_id' and m.seq = :hot_last_seq \gset
\o /dev/null
explain (analyze, buffers) execute unread_after_delete(:'hot_id', :hot_last_seq, :'hot_sender_id');
\o
\g

-- Experiment: an index that lets the list walk conversations newest first (rolled back).
\echo
\echo '== X1 with index conversations (updated_at desc, id desc): Q3 (bob, first page)'
begin;
create index conversations_updated_at_id_idx on conversations (updated_at desc, id desc);
\o /dev/null
explain (analyze, buffers) execute conversations_list_views(:'bob_id', 51);
\o
\g
\echo
\echo '== X2 with that index: bob, page after his 1,000th conversation'
\o /dev/null
explain (analyze, buffers)
  execute conversations_list_views_before(:'bob_id', :'bob_cursor_updated_at', :'bob_cursor_id', 51);
\o
\g
\echo
\echo '== X3 with that index: alice (60 conversations), first page'
\o /dev/null
explain (analyze, buffers) execute conversations_list_views(:'alice_id', 51);
\o
\g
rollback;
\echo
\echo '== X4 without the index: bob, page after his 1,000th conversation'
\o /dev/null
explain (analyze, buffers)
  execute conversations_list_views_before(:'bob_id', :'bob_cursor_updated_at', :'bob_cursor_id', 51);
\o
\g

\pset format aligned
\pset tuples_only off
\echo '== done'
