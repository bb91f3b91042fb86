/**
 * Schemas of authentication.k8s.io/v1 (io.k8s.api.authentication.v1): TokenRequest (the
 * serviceaccounts/token subresource), TokenReview and SelfSubjectReview. Kubernetes 1.33 list
 * semantics and required fields.
 */
import { arr, atomicList, bool, def, int64, kindObj, mapOf, obj, ref, str, time } from '../schema/builders.js';

const T = 'io.k8s.api.authentication.v1';
const gvk = (kind: string) => ({ group: 'authentication.k8s.io', version: 'v1', kind });

def(
  `${T}.UserInfo`,
  obj(
    {
      extra: mapOf(arr(str()), 'Extra attributes provided by the authenticator.'),
      groups: atomicList(str(), 'Groups the user belongs to.'),
      uid: str('Identifier that stays unique for this user over time, unlike the name.'),
      username: str('Name that uniquely identifies the user among all active users.'),
    },
    'UserInfo holds what an authenticator knows about a user.',
  ),
);

// ---------------------------------------------------------------------------------------------
// TokenRequest
// ---------------------------------------------------------------------------------------------

def(
  `${T}.BoundObjectReference`,
  obj(
    {
      apiVersion: str('API version of the referent.'),
      kind: str('Kind of the referent: Pod, Secret or Node.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
    },
    'BoundObjectReference is an object a token is bound to; the token stops being valid when the object is deleted.',
  ),
);

def(
  `${T}.TokenRequestSpec`,
  obj(
    {
      audiences: atomicList(
        str(),
        "Audiences the token is meant for; a recipient must find one of its own identifiers here. Empty means the API server's audiences.",
      ),
      boundObjectReference: ref(`${T}.BoundObjectReference`, 'Object the token is bound to; the token is valid only while that object exists.'),
      expirationSeconds: int64(
        'Requested lifetime of the token in seconds. The issuer may return a different lifetime, so check expirationTimestamp.',
        { default: 3600 },
      ),
    },
    { description: 'TokenRequestSpec describes the token being asked for.', required: ['audiences'] },
  ),
);

def(
  `${T}.TokenRequestStatus`,
  obj(
    {
      expirationTimestamp: time('When the issued token expires.'),
      token: str('The issued token, an opaque bearer credential.'),
    },
    { description: 'TokenRequestStatus holds the issued token.', required: ['token', 'expirationTimestamp'] },
  ),
);

def(
  `${T}.TokenRequest`,
  kindObj(gvk('TokenRequest'), 'TokenRequest asks for a token for a service account; it is created through the serviceaccounts/token subresource.', {
    spec: ref(`${T}.TokenRequestSpec`, 'The token being asked for.'),
    status: ref(`${T}.TokenRequestStatus`, 'Filled in by the server: the issued token, or an error.'),
  }, { required: ['spec'] }),
);

// ---------------------------------------------------------------------------------------------
// TokenReview
// ---------------------------------------------------------------------------------------------

def(
  `${T}.TokenReviewSpec`,
  obj(
    {
      audiences: atomicList(
        str(),
        "Audiences the checker identifies as; the token must be valid for at least one. Empty means the API server's audiences.",
      ),
      token: str('The opaque bearer token to check.'),
    },
    'TokenReviewSpec holds the token to authenticate.',
  ),
);

def(
  `${T}.TokenReviewStatus`,
  obj(
    {
      audiences: atomicList(
        str(),
        'Audiences the token is valid for, a subset of the requested ones (or of the API server audiences when none were requested). Clients should check it.',
      ),
      authenticated: bool('Whether the token was recognised as belonging to a known user.'),
      error: str('Why the token could not be checked.'),
      user: ref(`${T}.UserInfo`, 'The user the token belongs to.'),
    },
    'TokenReviewStatus is the outcome of authenticating a token.',
  ),
);

def(
  `${T}.TokenReview`,
  kindObj(gvk('TokenReview'), 'TokenReview authenticates a bearer token; the API server may cache the result.', {
    spec: ref(`${T}.TokenReviewSpec`, 'The token to check.'),
    status: ref(`${T}.TokenReviewStatus`, 'Filled in by the server: whether the token is valid and whose it is.'),
  }, { required: ['spec'] }),
);

// ---------------------------------------------------------------------------------------------
// SelfSubjectReview
// ---------------------------------------------------------------------------------------------

def(
  `${T}.SelfSubjectReviewStatus`,
  obj(
    {
      userInfo: ref(`${T}.UserInfo`, 'The user attributes of the caller.'),
    },
    'SelfSubjectReviewStatus holds what the server knows about the caller.',
  ),
);

def(
  `${T}.SelfSubjectReview`,
  kindObj(
    gvk('SelfSubjectReview'),
    'SelfSubjectReview returns the user information the API server derived from the credentials of the request, after authentication and impersonation.',
    {
      status: ref(`${T}.SelfSubjectReviewStatus`, 'Filled in by the server: the user attributes of the caller.'),
    },
  ),
);

/*
 * Defaults (Kubernetes 1.33, pkg/apis/authentication/v1/defaults.go):
 *   - TokenRequestSpec.expirationSeconds 3600 is a schema default above.
 *   - Nothing conditional. (The token subresource itself caps and extends lifetimes:
 *     --service-account-max-token-expiration, and the one-year extension for the kube-apiserver
 *     audience tokens bound to pods; that is issuing logic, not defaulting.)
 */
