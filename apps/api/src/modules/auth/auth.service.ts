import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuthResponse, TokenPair } from '@parley/protocol';
import { ConflictError, RateLimitedError, UnauthorizedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { UsersRepository } from '../users/users.repository.js';
import { toUser } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { SessionRevocations } from './session-revocations.js';

const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('base64url');

@Injectable()
export class AuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly usersRepository: UsersRepository,
    private readonly refreshTokensRepository: RefreshTokensRepository,
    private readonly accessTokenService: AccessTokenService,
    private readonly passwordHasher: PasswordHasher,
    private readonly publisher: RealtimePublisher,
    private readonly sessionRevocations: SessionRevocations,
    private readonly loginThrottle: LoginThrottle,
  ) {}

  async register(input: {
    username: string;
    password: string;
    displayName?: string;
  }): Promise<AuthResponse> {
    const passwordHash = await this.passwordHasher.hash(input.password);
    try {
      const row = await this.usersRepository.create({
        username: input.username,
        displayName: input.displayName ?? input.username,
        passwordHash,
      });
      return { user: toUser(row), ...(await this.startSession(row.id)) };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) {
        throw new ConflictError('username is taken');
      }
      throw error;
    }
  }

  /** Checks the password unless the per-account limit says to wait (429 with its delay). */
  async login(
    input: { username: string; password: string },
    clientAddress: string,
  ): Promise<AuthResponse> {
    const attempt = { username: input.username, address: clientAddress };
    const decision = await this.loginThrottle.begin(attempt);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
    const row = await this.usersRepository.findByUsername(input.username);
    const passwordMatches = await this.passwordHasher.verify(row?.passwordHash, input.password);
    // One message for an unknown name and a wrong password: no hint which names exist.
    if (!row || !passwordMatches) throw new UnauthorizedError('invalid username or password');
    await this.loginThrottle.succeeded(attempt);
    return { user: toUser(row), ...(await this.startSession(row.id)) };
  }

  /**
   * Rotates a refresh token. Presenting a spent or revoked token means it leaked or raced:
   * the whole session (token family) is ended, as by logout.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const spent = await this.refreshTokensRepository.findByHash(hashRefreshToken(refreshToken));
    if (!spent) throw new UnauthorizedError('invalid refresh token');
    if (spent.revokedAt || spent.replacedBy) {
      await this.endSession(spent.familyId);
      throw new UnauthorizedError('refresh token was already used; session revoked');
    }
    if (spent.expiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedError('refresh token expired');
    }
    const successor = this.newRefreshToken();
    const rotated = await this.refreshTokensRepository.rotate(spent.id, successor.row);
    if (!rotated) {
      await this.endSession(spent.familyId);
      throw new UnauthorizedError('refresh token was already used; session revoked');
    }
    const accessToken = await this.accessTokenService.sign({
      userId: spent.userId,
      sessionId: spent.familyId,
    });
    return { accessToken, refreshToken: successor.token };
  }

  /**
   * Ends the session the refresh token belongs to and disconnects its sockets on every node;
   * an unknown token is already logged out.
   */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.refreshTokensRepository.findByHash(hashRefreshToken(refreshToken));
    if (!row) return;
    await this.endSession(row.familyId);
  }

  /**
   * Ends every session of the user, everywhere: refresh tokens revoked, access tokens refused,
   * sockets disconnected. For account deletion or "sign out everywhere"; no route calls it yet.
   */
  async revokeAllSessionsOf(userId: string): Promise<void> {
    const sessionIds = await this.refreshTokensRepository.revokeAllOfUser(userId);
    await this.sessionRevocations.revoke(sessionIds);
    for (const sessionId of sessionIds) this.publisher.disconnectSession(sessionId);
  }

  private async endSession(sessionId: string): Promise<void> {
    await this.refreshTokensRepository.revokeFamily(sessionId);
    await this.sessionRevocations.revoke([sessionId]);
    this.publisher.disconnectSession(sessionId);
  }

  private async startSession(userId: string): Promise<TokenPair> {
    const sessionId = randomUUID();
    const refresh = this.newRefreshToken();
    await this.refreshTokensRepository.insert({ ...refresh.row, userId, familyId: sessionId });
    const accessToken = await this.accessTokenService.sign({ userId, sessionId });
    return { accessToken, refreshToken: refresh.token };
  }

  private newRefreshToken() {
    const token = randomBytes(32).toString('base64url');
    return {
      token,
      row: {
        id: randomUUID(),
        tokenHash: hashRefreshToken(token),
        expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSec * 1000),
      },
    };
  }
}
