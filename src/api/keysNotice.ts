/** Said when a key is created and when a Pressroom starts with keys: the first key ends local admin access. */
export const KEYS_LOCK_GRAPHIQL =
  'API keys exist, so every client needs one, GraphiQL on this machine too: paste {"Authorization": "Bearer <key>"} into its Headers tab';
