ALTER TABLE "conversation_members" ADD COLUMN "has_sent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "conversation_members" ADD COLUMN "request_state" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "presence" text DEFAULT 'everyone' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "direct_messages" text DEFAULT 'everyone' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "group_adds" text DEFAULT 'everyone' NOT NULL;--> statement-breakpoint
ALTER TABLE "conversation_members" ADD CONSTRAINT "conversation_members_request_state_check" CHECK ("conversation_members"."request_state" in ('pending', 'declined'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_presence_check" CHECK ("users"."presence" in ('everyone', 'contacts', 'nobody'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_direct_messages_check" CHECK ("users"."direct_messages" in ('everyone', 'requests'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_group_adds_check" CHECK ("users"."group_adds" in ('everyone', 'contacts'));--> statement-breakpoint
-- Contacts exist already: every member who has sent in a conversation counts as having sent.
UPDATE "conversation_members" SET "has_sent" = true
WHERE EXISTS (
  SELECT 1 FROM "messages"
  WHERE "messages"."conversation_id" = "conversation_members"."conversation_id"
    AND "messages"."sender_id" = "conversation_members"."user_id"
);
