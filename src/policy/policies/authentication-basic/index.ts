import type { PolicyDefinition } from '../../types.ts';

/** authentication-basic (APIM-REFERENCE §4): `Authorization: Basic base64(username:password)` on the backend request. */
export const authenticationBasic: PolicyDefinition = {
  name: 'authentication-basic',
  sections: ['inbound'],
  attributes: ['username', 'password'],
  compile(element, compiler) {
    const username = compiler.string(element, 'username');
    const password = compiler.string(element, 'password');
    return (context) => {
      const credentials = Buffer.from(`${username(context)}:${password(context)}`, 'utf8').toString('base64');
      context.request.headers.set('Authorization', [`Basic ${credentials}`]);
    };
  },
};
