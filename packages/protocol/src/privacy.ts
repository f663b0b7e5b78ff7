import { z } from 'zod';

/** Who sees when a user is online (contract section 9). */
export const presenceVisibilities = ['everyone', 'contacts', 'nobody'] as const;
export type PresenceVisibility = (typeof presenceVisibilities)[number];

/** Whether a direct conversation opened by a non-contact arrives as a request. */
export const directMessagePolicies = ['everyone', 'requests'] as const;
export type DirectMessagePolicy = (typeof directMessagePolicies)[number];

/** Who may add the user to a group. */
export const groupAddPolicies = ['everyone', 'contacts'] as const;
export type GroupAddPolicy = (typeof groupAddPolicies)[number];

export const privacySettingsSchema = z.object({
  presence: z.enum(presenceVisibilities),
  directMessages: z.enum(directMessagePolicies),
  groupAdds: z.enum(groupAddPolicies),
});
export type PrivacySettings = z.output<typeof privacySettingsSchema>;

/** The defaults: v1 behaviour. */
export const DEFAULT_PRIVACY_SETTINGS: PrivacySettings = {
  presence: 'everyone',
  directMessages: 'everyone',
  groupAdds: 'everyone',
};

// Strict: a misspelt setting is a 400, not a silent no-op.
export const privacySettingsPatchSchema = z
  .object({
    presence: z.enum(presenceVisibilities).optional(),
    directMessages: z.enum(directMessagePolicies).optional(),
    groupAdds: z.enum(groupAddPolicies).optional(),
  })
  .strict();
export type PrivacySettingsPatch = z.input<typeof privacySettingsPatchSchema>;
export type PrivacySettingsPatchInput = z.output<typeof privacySettingsPatchSchema>;
