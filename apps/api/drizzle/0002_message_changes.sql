CREATE TABLE "message_mentions" (
	"conversation_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "message_mentions_conversation_id_user_id_seq_pk" PRIMARY KEY("conversation_id","user_id","seq")
);
--> statement-breakpoint
CREATE TABLE "message_reactions" (
	"conversation_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"emoji" text NOT NULL,
	"user_id" uuid NOT NULL,
	"rev" bigint NOT NULL,
	"emoji_rev" bigint NOT NULL,
	CONSTRAINT "message_reactions_conversation_id_seq_emoji_user_id_pk" PRIMARY KEY("conversation_id","seq","emoji","user_id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_rev" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "rev" bigint;--> statement-breakpoint
-- No message has changed yet: each one's send was its conversation's rev number seq.
UPDATE "messages" SET "rev" = "seq";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "rev" SET NOT NULL;--> statement-breakpoint
UPDATE "conversations" SET "last_rev" = "last_seq";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "edited_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "deleted_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_to_seq" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "mentions" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_message_fk" FOREIGN KEY ("conversation_id","seq") REFERENCES "public"."messages"("conversation_id","seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_message_fk" FOREIGN KEY ("conversation_id","seq") REFERENCES "public"."messages"("conversation_id","seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_conversation_rev_idx" ON "messages" USING btree ("conversation_id","rev");--> statement-breakpoint
CREATE INDEX "messages_deleted_idx" ON "messages" USING btree ("conversation_id","seq") WHERE "messages"."deleted_at" is not null;