/* lifecycle: WSO2's API states and transitions, their history, and what a
 * publish carries along (old versions deprecated, subscriptions copied).
 * JSON returned is a new reference. */
#ifndef APIM_LIFECYCLE_H
#define APIM_LIFECYCLE_H

#include <jansson.h>
#include <sqlite3.h>

#define APIM_LC_DEPRECATE_OLD	0x1	/* publish: other PUBLISHED versions -> DEPRECATED */
#define APIM_LC_REQUIRE_RESUB	0x2	/* publish: do not copy subscriptions over */

/* apim's verb for action: one of apim's verbs (publish, prototype, demote,
 * block, deprecate, republish, retire) or WSO2's label for it ("Publish",
 * "Deploy as a Prototype", "Demote to Created", "Block", "Deprecate",
 * "Re-Publish", "Retire"), either in any case; NULL if it is neither. */
const char *apim_lifecycle_verb(const char *action);
/* WSO2's LifecycleStateDTO for state: {state, availableTransitions
 * [{event (WSO2's label), targetState}]}. */
json_t *apim_lifecycle_state_json(const char *state);
/* The state action (an apim verb) leads to from state, or NULL if it is not allowed there. */
const char *apim_lifecycle_next(const char *state, const char *action);
/* The actions allowed in state, comma-separated ("none" if there are none). */
const char *apim_lifecycle_allowed(const char *state);
/* Apply action to API id in one transaction: the state, the history, and for
 * a publish the flags' effects.  An illegal action is APIM_NO naming the
 * current state and the allowed actions; an unknown one APIM_USAGE.
 * action may be a verb or a WSO2 label (apim_lifecycle_verb); the history
 * records the verb.
 * The new state is stored in to[16] if to is not NULL. */
int apim_lifecycle_apply(sqlite3 *db, const char *id, const char *action,
    int flags, const char *actor, char to[16]);
/* Append one history row (inside the caller's transaction); from may be NULL. */
int apim_lifecycle_record(sqlite3 *db, const char *id, const char *action,
    const char *from, const char *to, const char *actor);
/* The history of API id, oldest first: [{action, previousState, postState,
 * user, updatedTime}]. */
json_t *apim_lifecycle_history(sqlite3 *db, const char *id);

#endif
